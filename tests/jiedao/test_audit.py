"""The audit log: what it records, who reads it, and that no one can change it."""

from decimal import Decimal

import pytest
from django.contrib import admin as django_admin
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.urls import reverse

from jiedao.models import AuditEntry
from residents.id_numbers import make

pytestmark = pytest.mark.django_db


def test_creating_changing_archiving_and_full_views_are_all_logged(api, web, staff_east, east1):
    from datetime import date

    client = api.as_(staff_east)
    created = client.post("/api/v1/residents/", {"name": "马大爷", "grid": east1.pk,
                                                  "id_number": make("110105", date(1940, 1, 1), 1, female=False)},
                          format="json").json()
    client.patch(f"/api/v1/residents/{created['id']}/", {"care_tier": "key"}, format="json")
    client.get(f"/api/v1/residents/{created['id']}/")
    web.as_(staff_east).post(reverse("residents:resident_archive", args=[created["id"]]),
                             {"status": "deceased", "on": "2026-11-01", "reason": "病故"})
    actions = list(AuditEntry.objects.filter(target_id=str(created["id"])).order_by("id")
                   .values_list("action", flat=True))
    assert actions == ["create", "update", "view_full", "archive"]
    update = AuditEntry.objects.get(action="update")
    assert update.changes == {"care_tier": ["none", "key"]}
    assert update.actor_username == "staff_east" and update.ip == "127.0.0.1"


def test_a_leader_sees_masked_numbers_and_no_full_view_is_logged(api, leader, zhang):
    api.as_(leader).get(f"/api/v1/residents/{zhang.pk}/")
    assert not AuditEntry.objects.filter(action="view_full").exists()


def test_the_detail_page_logs_a_full_view_for_writers(web, staff_east, zhang):
    page = web.as_(staff_east).get(reverse("residents:resident_detail", args=[zhang.pk]))
    assert zhang.id_number in page.content.decode()
    assert AuditEntry.objects.filter(action="view_full", actor=staff_east, target_id=str(zhang.pk)).count() == 1


def test_logins_and_failed_logins_are_logged(client, staff_east):
    client.post(reverse("login"), {"username": "staff_east", "password": "wrong-password"})
    client.post(reverse("login"), {"username": "staff_east", "password": "Str0ng-pass-2026"})
    assert list(AuditEntry.objects.order_by("id").values_list("action", "actor_username")) == [
        ("login_failed", "staff_east"), ("login", "staff_east")]


def test_the_auditor_reads_their_own_subdistricts_log_with_filters(api, auditor, staff_east, other_admin, zhang,
                                                                  chen):
    api.as_(staff_east).get(f"/api/v1/residents/{zhang.pk}/")
    api.as_(other_admin).get(f"/api/v1/residents/{chen.pk}/")  # 青龙街道: not this auditor's business
    data = api.as_(auditor).get("/api/v1/audit/").json()
    assert [(e["actor"], e["action"], e["target_type"], e["target_id"]) for e in data["results"]] == [
        ("staff_east", "view_full", "resident", str(zhang.pk))]
    assert set(data["results"][0]) == {"id", "actor", "action", "target_type", "target_id", "at", "ip", "changes"}
    assert api.as_(auditor).get("/api/v1/audit/?actor=nobody").json()["count"] == 0
    assert api.as_(auditor).get("/api/v1/audit/?action=view_full").json()["count"] == 1
    assert api.as_(auditor).get("/api/v1/audit/?action=bogus").status_code == 400


@pytest.mark.parametrize("persona", ["admin", "leader", "staff_east", "gridder", "district", "operator"])
def test_nobody_but_the_auditor_reads_the_log(request, api, web, persona):
    user = request.getfixturevalue(persona)
    assert api.as_(user).get("/api/v1/audit/").status_code == 403
    assert web.as_(user).get(reverse("audit_log")).status_code == 403


def test_the_audit_page_filters_by_action(web, auditor, staff_east, zhang):
    web.as_(staff_east).get(reverse("residents:resident_detail", args=[zhang.pk]))
    page = web.as_(auditor).get(reverse("audit_log") + "?action=view_full")
    assert page.status_code == 200 and len(page.context["object_list"]) == 1


def test_an_entry_cannot_be_changed_or_deleted_through_the_orm(staff_east, zhang):
    from jiedao import audit

    entry = audit.record(actor=staff_east, action="view_full", target=zhang)
    entry.action = "login"
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.update(action="login")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_itself_refuses_to_change_an_entry(staff_east, zhang):
    from django.db import DatabaseError

    from jiedao import audit

    entry = audit.record(actor=staff_east, action="view_full", target=zhang)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE jiedao_auditentry SET action = 'login' WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM jiedao_auditentry WHERE id = %s", [entry.pk])


def test_djangos_admin_offers_no_add_change_or_delete(rf, admin):
    model_admin = django_admin.site._registry[AuditEntry]
    request = rf.get("/")
    request.user = admin
    admin.is_superuser = admin.is_staff = True
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_changes_made_in_djangos_admin_are_logged_too(client, heping, east):
    from tests.factories import UserFactory

    operator = UserFactory(username="root", is_superuser=True, is_staff=True, subdistrict=heping)
    client.force_login(operator)
    client.post(reverse("admin:residents_community_change", args=[east.pk]),
                {"subdistrict": heping.pk, "name": "东园新社区", "code": "", "address": "", "phone": ""})
    client.post(reverse("admin:auth_user_password_change",
                        args=[operator.pk]), {"password1": "New-keeper-pass-2026", "password2": "New-keeper-pass-2026",
                                              "usable_password": "true"})
    logged = AuditEntry.objects.filter(actor=operator, changes__via="django_admin")
    assert {e.target_type for e in logged} == {"community", "user"}
    assert logged.get(target_type="community").changes["name"] == ["东园社区", "东园新社区"]


def test_an_entry_names_its_object_in_chinese_as_it_was_called_then(web, staff_east, auditor, east1):
    from tests.factories import ResidentFactory

    zhang = ResidentFactory(name="张春露", grid=east1)
    web.as_(staff_east).get(reverse("residents:resident_update", args=[zhang.pk]))  # a full view: logged
    entry = AuditEntry.objects.get(action="view_full")
    assert entry.target_label == "居民 张春露"
    page = web.as_(auditor).get(reverse("audit_log")).content.decode()
    assert "居民 张春露" in page


def test_a_price_typed_again_as_it_stands_is_no_change_and_a_deleted_rule_is_a_deletion(web, admin):
    from elderly_care import services as care
    from visits.models import VisitRule

    care.meal_prices_save(actor=admin, prices={"lunch": Decimal("12.00")})
    care.meal_prices_save(actor=admin, prices={"lunch": Decimal("12")})
    assert AuditEntry.objects.filter(target_type="mealprice").count() == 1  # the first setting only
    rule = VisitRule.objects.create(subdistrict=admin.subdistrict, care_tier="key", method="home", frequency="weekly")
    web.as_(admin).post(reverse("visits:rule_delete", args=[rule.pk]))
    assert AuditEntry.objects.get(target_type="visitrule").get_action_display() == "删除"


def test_a_refused_page_or_endpoint_is_in_the_log(web, api, gridder, operator, auditor):
    assert web.as_(gridder).get(reverse("manage:users")).status_code == 403
    assert api.as_(operator).get("/api/v1/residents/?search=110105194105020021").status_code == 403
    denied = {e.actor_username: e.changes for e in AuditEntry.objects.filter(action="denied")}
    assert denied[gridder.username]["path"] == reverse("manage:users")
    assert denied[operator.username]["path"] == "/api/v1/residents/"  # the path, never its query
    assert "110105194105020021" not in str(denied)
    page = web.as_(auditor).get(reverse("audit_log") + "?action=denied").content.decode()
    assert "被拒绝" in page


def test_a_search_by_a_whole_id_number_and_an_export_files_download_are_in_the_log(
        web, api, staff_east, east1, auditor, settings, tmp_path, django_capture_on_commit_callbacks):
    from jiedao.models import ExportJob
    from tests.factories import ResidentFactory

    settings.MEDIA_ROOT, settings.EXPORT_ASYNC_THRESHOLD, settings.CELERY_TASK_ALWAYS_EAGER = tmp_path, 0, True
    zhang = ResidentFactory(name="张春露", grid=east1)
    api.as_(staff_east).get("/api/v1/residents/", {"search": zhang.id_number})
    search = AuditEntry.objects.get(action="search")
    assert search.changes == {"search": zhang.id_number_masked} and search.actor == staff_east
    with django_capture_on_commit_callbacks(execute=True):  # the job is built once the request commits
        web.as_(staff_east).get(reverse("residents:resident_list"), {"format": "xlsx", "status": "all"})
    job = ExportJob.objects.get()
    web.as_(staff_east).get(reverse("export_job_download", args=[job.pk]))
    assert AuditEntry.objects.filter(action="export", changes__via="download").count() == 1
    choices = dict(web.as_(auditor).get(reverse("audit_log")).context["filter_form"].fields["target_type"].choices)
    assert choices["resident"] == "居民" and choices["case"] == "救助案件"
