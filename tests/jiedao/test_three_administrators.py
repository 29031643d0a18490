"""三员 (等保's three separated administrators): 赵管理 the system administrator keeps the places and the business,
冯安全 the security administrator keeps the accounts and sees no business, 孙审计 the auditor reads the log, the
other two's actions in it. 韩区安, the district's security administrator, keeps the accounts above the
sub-districts. No account holds two of the three, and none gives itself a role."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from jiedao import services
from jiedao.models import AuditEntry, Role, User
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ACCOUNT_PAGES = ["manage:users", "manage:user_create"]


def _account(**fields):
    return {"first_name": "", "phone": "", "password": "", "is_active": "on", **fields}


def _entries(auditor):
    """What the auditor reads, as (actor, action, target id) — the API and the page run the same queryset."""
    return {(e.actor_username, e.action, e.target_id) for e in AuditEntry.objects.visible_to(auditor)}


# --- each keeps to their own pages ---------------------------------------------------------------------------

def test_the_admin_is_refused_every_account_page_and_keeps_the_places(web, admin, staff_east, east):
    client = web.as_(admin)
    for name in ACCOUNT_PAGES:
        assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("manage:user_update", args=[staff_east.pk])).status_code == 403
    assert client.post(reverse("manage:user_update", args=[staff_east.pk]),
                       _account(username="staff_east", role="subdistrict_admin")).status_code == 403
    assert client.post(reverse("manage:user_unlock", args=[staff_east.pk])).status_code == 403
    assert User.objects.get(pk=staff_east.pk).role == Role.COMMUNITY_STAFF
    for name in ["manage:communities", "manage:grids", "residents:points", "visits:rules", "care:pricing",
                 "assistance:settings", "residents:resident_list"]:
        assert client.get(reverse(name)).status_code == 200, name
    with pytest.raises(PermissionDenied):
        services.user_unlock(actor=admin, user=staff_east)


def test_the_navigation_shows_each_administrator_their_own(web, admin, security, auditor):
    admin_page = web.as_(admin).get("/").content.decode()
    assert reverse("manage:communities") in admin_page and reverse("manage:users") not in admin_page
    security_page = web.as_(security).get("/").content.decode()
    assert reverse("manage:users") in security_page and "打开账号管理" in security_page
    for business in ["residents:resident_list", "manage:communities", "dashboard", "audit_log"]:
        assert f'href="{reverse(business)}"' not in security_page, business
    # Lockouts and addresses guessing at passwords are told to the security admin there.
    assert f'href="{reverse("inbox")}"' in security_page
    auditor_page = web.as_(auditor).get("/").content.decode()
    assert reverse("audit_log") in auditor_page and reverse("manage:users") not in auditor_page


@pytest.mark.parametrize("persona", ["security", "district_security"])
def test_the_security_admin_sees_no_business_data_on_any_page_or_endpoint(request, web, api, persona, people):
    user = request.getfixturevalue(persona)
    zhang = people["zhang"]
    pages = ["residents:resident_list", "residents:household_list", "residents:points", "manage:communities",
             "manage:grids", "visits:overview", "visits:hazards", "visits:list", "visits:rules", "care:meal_list",
             "care:stats", "care:pricing", "care:enrolments", "assistance:case_list", "assistance:disbursement_list",
             "dashboard", "reports", "audit_log"]
    for name in pages:
        assert web.as_(user).get(reverse(name)).status_code == 403, name
    assert web.as_(user).get(reverse("residents:resident_detail", args=[zhang.pk])).status_code == 403
    for url in ["/api/v1/residents/", f"/api/v1/residents/{zhang.pk}/", "/api/v1/communities/", "/api/v1/grids/",
                "/api/v1/households/", "/api/v1/service-points/", "/api/v1/meals/", "/api/v1/visits/",
                "/api/v1/visits/due/", "/api/v1/hazards/", "/api/v1/cases/", "/api/v1/disbursements/",
                "/api/v1/reports/", "/api/v1/dashboard/", "/api/v1/audit/"]:
        assert api.as_(user).get(url).status_code == 403, url
    # What is one's own, and no business (the inbox, one's exports), answers every role: theirs is empty.
    for url in ["/api/v1/exports/", "/api/v1/notifications/"]:
        assert api.as_(user).get(url).json()["count"] == 0, url
    assert api.as_(user).get("/api/v1/me/").json() == {
        "username": user.username, "role": "security_admin", "communities": [], "grids": []}


# --- the security admin assigns roles and scopes, never to itself ------------------------------------------

def test_the_security_admin_hands_out_the_subdistricts_roles_but_not_its_own(web, security):
    form = web.as_(security).get(reverse("manage:user_create")).context["form"]
    assert [value for value, _ in form.fields["role"].choices] == [
        "subdistrict_admin", "subdistrict_leader", "community_staff", "grid_worker", "point_operator", "auditor",
        "team_leader"]
    response = web.as_(security).post(reverse("manage:user_create"), _account(
        username="security2", role="security_admin", password="Second-keeper-2026"))
    assert "role" in response.context["form"].errors
    assert not User.objects.filter(username="security2").exists()


def test_the_security_admin_cannot_change_its_own_account(web, security):
    client = web.as_(security)
    assert client.get(reverse("manage:user_update", args=[security.pk])).status_code == 403
    response = client.post(reverse("manage:user_update", args=[security.pk]), _account(
        username="security", role="subdistrict_admin"))
    assert response.status_code == 403
    assert User.objects.get(pk=security.pk).role == Role.SECURITY_ADMIN
    security.role = Role.SUBDISTRICT_ADMIN
    with pytest.raises(PermissionDenied):
        services.user_save(actor=User.objects.get(pk=security.pk), user=security, communities=[], grids=[])
    listing = client.get(reverse("manage:users"))
    assert security.pk not in listing.context["editable"]


def test_a_subdistricts_security_admin_does_not_manage_its_peers(web, security, heping):
    peer = UserFactory(username="security_b", role=Role.SECURITY_ADMIN, subdistrict=heping)
    client = web.as_(security)
    assert peer in client.get(reverse("manage:users")).context["object_list"]
    assert client.get(reverse("manage:user_update", args=[peer.pk])).status_code == 403
    assert client.post(reverse("manage:user_unlock", args=[peer.pk])).status_code == 403


def test_no_account_is_turned_from_one_administrator_into_another(web, security, admin, auditor):
    response = web.as_(security).post(reverse("manage:user_update", args=[admin.pk]), _account(
        username="admin", role="auditor"))
    assert "三员" in response.context["form"].errors["role"][0]
    response = web.as_(security).post(reverse("manage:user_update", args=[auditor.pk]), _account(
        username="auditor", role="subdistrict_admin"))
    assert "三员" in response.context["form"].errors["role"][0]
    assert User.objects.get(pk=admin.pk).role == Role.SUBDISTRICT_ADMIN
    assert User.objects.get(pk=auditor.pk).role == Role.AUDITOR


def test_the_security_admin_gives_a_staff_member_a_community_and_takes_it_away(web, security, staff_east, west):
    response = web.as_(security).post(reverse("manage:user_update", args=[staff_east.pk]), _account(
        username="staff_east", role="community_staff", communities=[west.pk]))
    assert response.status_code == 302
    assert list(User.objects.get(pk=staff_east.pk).communities.all()) == [west]
    web.as_(security).post(reverse("manage:user_update", args=[staff_east.pk]), _account(
        username="staff_east", role="community_staff", communities=[west.pk], is_active=""))
    assert not User.objects.get(pk=staff_east.pk).is_active


# --- the auditor's keys are the security admin's alone, and audited ----------------------------------------

def test_only_the_security_admin_unlocks_resets_or_deactivates_the_auditor_and_it_is_logged(
        client, web, security, admin, leader, district, auditor, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "auditor", "password": f"wrong{attempt}"})
    for someone in (admin, leader, district):
        assert web.as_(someone).post(reverse("manage:user_unlock", args=[auditor.pk])).status_code == 403
        assert web.as_(someone).post(reverse("manage:user_update", args=[auditor.pk]), _account(
            username="auditor", role="auditor", password="Taken-over-2026", is_active="")).status_code == 403
    assert User.objects.get(pk=auditor.pk).is_active

    keeper = web.as_(security)
    keeper.post(reverse("manage:user_unlock", args=[auditor.pk]))
    keeper.post(reverse("manage:user_update", args=[auditor.pk]), _account(
        username="auditor", first_name="孙审计", role="auditor", password="Reset-by-keeper-2026"))
    keeper.post(reverse("manage:user_update", args=[auditor.pk]), _account(
        username="auditor", first_name="孙审计", role="auditor", is_active=""))
    changes = [e.changes for e in AuditEntry.objects.filter(actor=security, target_id=str(auditor.pk)).order_by("id")]
    assert changes == [{"unlocked": True}, {"password": [None, "已重置"]}, {"is_active": [True, False]}]


def test_the_security_admin_creates_an_auditor_who_can_log_in(web, client, security):
    response = web.as_(security).post(reverse("manage:user_create"), _account(
        username="auditor2", first_name="孙二审", role="auditor", password="Second-auditor-2026"))
    assert response.status_code == 302
    created = User.objects.get(username="auditor2")
    assert created.role == Role.AUDITOR and created.subdistrict_id == security.subdistrict_id
    assert client.post(reverse("login"), {"username": "auditor2", "password": "Second-auditor-2026"}).status_code == 302


# --- the district's security admin -------------------------------------------------------------------------

def test_the_districts_security_admin_makes_district_officers_and_subdistrict_security_admins(
        web, district_security, district, heping, staff_east):
    client = web.as_(district_security)
    form = client.get(reverse("manage:user_create")).context["form"]
    assert [v for v, _ in form.fields["role"].choices] == ["district_officer", "security_admin"]
    assert "communities" not in form.fields and "subdistrict" in form.fields
    response = client.post(reverse("manage:user_create"), _account(
        username="district2", role="district_officer", subdistrict=heping.pk, password="Lantern-Vow-719"))
    assert response.status_code == 302
    assert User.objects.get(username="district2").subdistrict is None  # above every sub-district
    response = client.post(reverse("manage:user_create"), _account(
        username="keeper", role="security_admin", password="Copper-Finch-482"))
    assert "须选择所在街道" in response.context["form"].errors["subdistrict"][0]
    response = client.post(reverse("manage:user_create"), _account(
        username="keeper", role="security_admin", subdistrict=heping.pk, password="Copper-Finch-482"))
    assert response.status_code == 302
    assert User.objects.get(username="keeper").subdistrict == heping
    listing = client.get(reverse("manage:users")).context
    assert {u.username for u in listing["object_list"]} == {"district", "district2", "keeper", "district_security"}
    assert district_security.pk not in listing["editable"] and district.pk in listing["editable"]
    # A sub-district's own staff are its security admin's, not the district's.
    assert client.get(reverse("manage:user_update", args=[staff_east.pk])).status_code == 404
    assert client.get(reverse("manage:user_update", args=[district_security.pk])).status_code == 403


def test_the_districts_security_admin_hands_out_no_business_role(web, district_security, heping):
    response = web.as_(district_security).post(reverse("manage:user_create"), _account(
        username="boss", role="subdistrict_admin", subdistrict=heping.pk, password="Heping-boss-2026"))
    assert "role" in response.context["form"].errors and not User.objects.filter(username="boss").exists()


# --- the auditor reads the other two's actions --------------------------------------------------------------

def test_the_auditor_reads_the_security_admins_and_the_admins_own_actions(client, web, security, admin, auditor,
                                                                         east, qinglong):
    qinglong_auditor = UserFactory(username="auditor_ql", role=Role.AUDITOR, subdistrict=qinglong)
    client.post(reverse("login"), {"username": "security", "password": PASSWORD})
    web.as_(security).post(reverse("manage:user_create"), _account(
        username="staff9", role="community_staff", communities=[east.pk], password="Staff-nine-2026"))
    staff9 = User.objects.get(username="staff9")
    web.as_(security).get(reverse("residents:resident_list"))  # refused, and logged as such
    web.as_(admin).post(reverse("manage:grid_create"), {"community": east.pk, "name": "东三网格"})
    seen = _entries(auditor)
    assert ("security", "login", "") in seen
    assert ("security", "create", str(staff9.pk)) in seen
    assert ("security", "denied", "") in seen
    assert any(actor == "admin" and action == "create" for actor, action, _ in seen)
    assert not {e for e in _entries(qinglong_auditor) if e[0] in ("security", "admin")}
    page = web.as_(auditor).get(reverse("audit_log") + "?actor=security").content.decode()
    assert "staff9" in page


def test_the_auditor_reads_what_the_districts_security_admin_did_to_its_subdistrict_and_above(
        web, district_security, security, auditor, qinglong):
    qinglong_auditor = UserFactory(username="auditor_ql", role=Role.AUDITOR, subdistrict=qinglong)
    client = web.as_(district_security)
    client.post(reverse("manage:user_update", args=[security.pk]), _account(
        username="security", first_name="冯安全", role="security_admin", subdistrict=security.subdistrict_id,
        password="Reset-keeper-2026"))
    client.post(reverse("manage:user_create"), _account(
        username="district2", role="district_officer", password="Lantern-Vow-719"))
    district2 = User.objects.get(username="district2")
    reset = AuditEntry.objects.get(actor=district_security, target_id=str(security.pk))
    assert reset.subdistrict_id == security.subdistrict_id and reset.changes == {"password": [None, "已重置"]}
    assert ("district_security", "update", str(security.pk)) in _entries(auditor)
    assert ("district_security", "update", str(security.pk)) not in _entries(qinglong_auditor)
    # Above the sub-districts (no sub-district of its own): every sub-district's auditor reads it.
    created = ("district_security", "create", str(district2.pk))
    assert created in _entries(auditor) and created in _entries(qinglong_auditor)


# --- Django's superuser and admin -----------------------------------------------------------------------------

def test_djangos_admin_is_off_by_default(client, heping):
    root = UserFactory(username="root", is_superuser=True, is_staff=True, subdistrict=heping)
    client.force_login(root)
    assert client.get("/django-admin/").status_code == 404


def test_a_superuser_holds_no_business_data(web, api, heping, people):
    # `createsuperuser` gives the role field's default (community staff) and no community: the flags open nothing.
    root = User.objects.create_superuser("root", password=PASSWORD)
    assert api.as_(root).get("/api/v1/residents/").json()["count"] == 0
    assert web.as_(root).get(reverse("manage:users")).status_code == 403
    assert web.as_(root).get(reverse("audit_log")).status_code == 403


@pytest.mark.urls("tests.admin_urls")
def test_turned_on_djangos_admin_lets_in_only_the_security_admin_made_staff(client, security, heping, staff_east,
                                                                             auditor):
    root = UserFactory(username="root", is_superuser=True, is_staff=True, subdistrict=heping)
    client.force_login(root)
    assert client.get("/django-admin/").status_code == 302  # to the admin's login: a superuser is not let in
    client.force_login(security)  # not staff
    assert client.get("/django-admin/").status_code == 302
    User.objects.filter(pk=security.pk).update(is_staff=True)
    listing = client.get("/django-admin/jiedao/user/")
    assert listing.status_code == 200
    shown = {u.username for u in listing.context["cl"].result_list}
    assert "staff_east" in shown and "auditor" in shown and "root" not in shown
    assert client.post(f"/django-admin/jiedao/user/{staff_east.pk}/change/", {
        "username": "staff_east", "role": "subdistrict_admin"}).status_code == 403
    assert User.objects.get(pk=staff_east.pk).role == Role.COMMUNITY_STAFF
    assert client.get("/django-admin/jiedao/auditentry/").status_code == 403  # the log is the auditor's


def test_the_operator_makes_the_districts_first_security_admin_from_the_command_line(monkeypatch, heping,
                                                                                     auditor, capsys):
    from django.core.management import CommandError, call_command

    monkeypatch.setenv("DJANGO_SECURITY_ADMIN_PASSWORD", "Copper-Finch-482")
    call_command("create_security_admin", "keeper")
    keeper = User.objects.get(username="keeper")
    assert keeper.role == Role.SECURITY_ADMIN and keeper.subdistrict is None and not keeper.is_staff
    assert keeper.check_password("Copper-Finch-482") and "全区" in capsys.readouterr().out
    call_command("create_security_admin", "heping_keeper", "--subdistrict", "和平里街道", "--staff")
    assert User.objects.get(username="heping_keeper").subdistrict == heping
    # Both are in the log; the sub-district's in 和平里's auditor's.
    assert ("manage.py create_security_admin", "create", str(User.objects.get(username="heping_keeper").pk)) in \
        _entries(auditor)
    with pytest.raises(CommandError, match="同名账号"):
        call_command("create_security_admin", "KEEPER")
    with pytest.raises(CommandError, match="没有名为"):
        call_command("create_security_admin", "nobody", "--subdistrict", "不存在街道")
    monkeypatch.setenv("DJANGO_SECURITY_ADMIN_PASSWORD", "1234567890123")
    with pytest.raises(CommandError, match="数字"):
        call_command("create_security_admin", "weak")


def test_a_subdistricts_security_admin_is_not_moved_to_another_subdistrict(web, district_security, security,
                                                                           qinglong):
    response = web.as_(district_security).post(reverse("manage:user_update", args=[security.pk]), _account(
        username="security", first_name="冯安全", role="security_admin", subdistrict=qinglong.pk))
    assert "另建账号" in response.context["form"].errors["subdistrict"][0]
    assert User.objects.get(pk=security.pk).subdistrict_id == security.subdistrict_id
