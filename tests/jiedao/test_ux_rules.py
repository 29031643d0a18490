"""What trying the portal as new users turned up, kept fixed: each a small story."""

from datetime import date

import pytest
from django.urls import reverse

from jiedao.models import AuditEntry, User
from residents import services
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_change_history_reads_in_chinese_with_labels_and_arrows(api, web, staff_east, zhang):
    api.as_(staff_east).patch(f"/api/v1/residents/{zhang.pk}/", {"phone": "13700002222", "care_tier": "regular",
                                                                  "tags": ["empty_nest"]}, format="json")
    html = web.as_(staff_east).get(reverse("residents:resident_detail", args=[zhang.pk])).content.decode()
    assert "联系电话</b>：139****5678 → 137****2222" in html
    assert "关爱等级</b>：重点关爱 → 常规关爱" in html
    assert "特殊群体</b>：独居 → 空巢" in html


def test_the_security_admin_unlocks_an_account_that_typed_the_wrong_password_too_often(client, web, security,
                                                                                      staff_east, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "staff_east", "password": f"wrong{attempt}"})
    listing = web.as_(security).get(reverse("manage:users"))
    assert "staff_east" in listing.context["locked"]
    web.as_(security).post(reverse("manage:user_unlock", args=[staff_east.pk]))
    assert AuditEntry.objects.filter(action="update", target_id=str(staff_east.pk), changes__unlocked=True).exists()
    client.logout()
    assert client.post(reverse("login"), {"username": "staff_east", "password": PASSWORD}).status_code == 302


def test_only_the_security_admin_unlocks_and_only_in_their_subdistrict(web, leader, admin, staff_east, qinglong):
    from jiedao.models import Role
    from tests.factories import UserFactory

    other_security = UserFactory(username="other_security", role=Role.SECURITY_ADMIN, subdistrict=qinglong)
    assert web.as_(leader).post(reverse("manage:user_unlock", args=[staff_east.pk])).status_code == 403
    assert web.as_(admin).post(reverse("manage:user_unlock", args=[staff_east.pk])).status_code == 403
    assert web.as_(other_security).post(reverse("manage:user_unlock", args=[staff_east.pk])).status_code == 404


def test_the_admin_can_neither_create_nor_touch_auditor_accounts(web, admin, auditor):
    response = web.as_(admin).post(reverse("manage:user_create"), {
        "username": "auditor2", "role": "auditor", "password": "Auditor-two-2026"})
    assert response.status_code == 403 and not User.objects.filter(username="auditor2").exists()
    assert web.as_(admin).get(reverse("manage:user_update", args=[auditor.pk])).status_code == 403


def test_an_account_keeps_only_the_places_its_role_uses(web, security, east, east1):
    web.as_(security).post(reverse("manage:user_create"), {
        "username": "grid9", "role": "grid_worker", "grids": [east1.pk], "communities": [east.pk],
        "password": "Grid-worker-2026", "is_active": "on"})
    user = User.objects.get(username="grid9")
    assert list(user.grids.all()) == [east1] and not user.communities.exists()


def test_usernames_differing_only_in_case_are_one_name(web, security, staff_east, east):
    response = web.as_(security).post(reverse("manage:user_create"), {
        "username": "STAFF_EAST", "role": "community_staff", "communities": [east.pk],
        "password": "Another-staff-2026"})
    assert "同名账号" in response.context["form"].errors["username"][0]


def test_an_id_too_large_for_the_database_is_an_invalid_choice_not_a_500(web, security):
    response = web.as_(security).post(reverse("manage:user_create"), {
        "username": "grid9", "role": "grid_worker", "grids": ["9" * 30], "password": "Grid-worker-2026"})
    assert response.status_code == 200 and "grids" in response.context["form"].errors


def test_a_household_has_one_head(staff_east, east1):
    from tests.factories import HouseholdFactory, ResidentFactory

    home = HouseholdFactory(grid=east1)
    ResidentFactory(name="户主甲", grid=east1, household=home, relation_to_head="self")
    second = ResidentFactory(name="户主乙", grid=east1, household=home, relation_to_head="spouse")
    with pytest.raises(Exception) as caught:
        services.resident_update(actor=staff_east, resident=second, data={"relation_to_head": "self"})
    assert "已有户主" in str(caught.value)


def test_an_archived_head_leaves_the_household_headless(staff_east, east1):
    from tests.factories import HouseholdFactory, ResidentFactory

    home = HouseholdFactory(grid=east1)
    head = ResidentFactory(name="户主甲", grid=east1, household=home, relation_to_head="self")
    services.resident_update(actor=staff_east, resident=head, data={"relation_to_head": "self"})
    services.resident_archive(actor=staff_east, resident=head, status="deceased", on=date(2026, 11, 1), reason="病故")
    home.refresh_from_db()
    assert home.head is None


def test_a_resident_cannot_be_archived_before_they_were_born(web, staff_east, wang, staff_west):
    response = web.as_(staff_west).post(reverse("residents:resident_archive", args=[wang.pk]),
                                        {"status": "moved_out", "on": "1980-01-01", "reason": "迁出"})
    assert "出生日期" in response.context["form"].errors["on"][0]


def test_community_codes_are_unique_and_phones_look_like_phones(web, admin, east):
    client = web.as_(admin)
    client.post(reverse("manage:community_update", args=[east.pk]), {"name": "东园社区", "code": "001"})
    response = client.post(reverse("manage:community_create"), {"name": "北园社区", "code": "002", "phone": "abc"})
    assert "电话" in response.context["form"].errors["phone"][0]
    response = client.post(reverse("manage:community_create"), {"name": "北园社区", "code": "001"})
    assert "相同代码" in str(response.context["form"].errors)


def test_an_archived_resident_is_still_found_by_id_in_the_api(api, staff_east, zhang):
    services.resident_archive(actor=staff_east, resident=zhang, status="moved_out", on=date(2026, 1, 1), reason="迁出")
    assert api.as_(staff_east).get(f"/api/v1/residents/{zhang.pk}/").json()["status"] == "moved_out"
    assert api.as_(staff_east).get("/api/v1/residents/").json()["count"] == 0


def test_api_errors_speak_chinese(api, staff_east):
    client = api.as_(staff_east)
    assert "不在您的管辖范围" in client.get("/api/v1/residents/999999/").json()["detail"]
    assert "JSON" in client.post("/api/v1/residents/", "{", content_type="application/json").json()["detail"]
    assert "页码无效" in client.get("/api/v1/residents/?page=99").json()["detail"]
    assert "%(" not in client.get("/api/v1/residents/?page=99").json()["detail"]


def test_the_list_offers_chinese_sorting_and_one_default_status(web, staff_east):
    form = web.as_(staff_east).get(reverse("residents:resident_list")).context["filter_form"]
    assert ("-name", "姓名（倒序）") in list(form.fields["ordering"].choices)
    assert [label for _, label in form.fields["status"].choices].count("在册") == 1


def test_a_wrong_filter_lists_nobody_rather_than_ignoring_it(web, staff_east, zhang):
    page = web.as_(staff_east).get(reverse("residents:resident_list") + "?tags=nope")
    assert list(page.context["object_list"]) == []


@pytest.mark.parametrize("url", ["residents:resident_update", "residents:resident_archive"])
def test_roles_without_the_registry_get_403_on_write_pages_too(web, auditor, zhang, url):
    assert web.as_(auditor).get(reverse(url, args=[zhang.pk])).status_code == 403


@pytest.mark.parametrize("persona, most", [("staff_east", 17), ("gridder", 17), ("leader", 17), ("district", 17),
                                           ("auditor", 6), ("security", 6), ("admin", 17)])
def test_each_home_page_runs_a_fixed_number_of_queries(request, web, django_assert_max_num_queries, people, persona,
                                                       most):
    from tests.factories import ResidentFactory

    client = web.as_(request.getfixturevalue(persona))
    for i in range(10):
        ResidentFactory(name=f"重点{i}", grid=people["zhang"].grid, care_tier="key")
    # session, user, scope, total, per-community counts, key residents, grids, the visit schedule (rules,
    # residents, last visits, curtain plans), the unread badge, session save…: not per row (11 key
    # residents here would add 11 or more if it were).
    with django_assert_max_num_queries(most):
        client.get("/")
