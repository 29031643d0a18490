"""The pages of the visits: 周网格's day on her phone, 王丽's overview, 赵管理's rules."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from visits import services
from visits.models import CarePlan, Hazard, Visit, VisitRule

pytestmark = pytest.mark.django_db


def test_the_day_page_puts_the_missed_curtain_first_and_records_it_in_one_tap(web, rules, gridder, zhang):
    CarePlan.objects.create(resident=zhang, curtain_pact=True, curtain_deadline=time(0, 0))  # already missed
    client = web.as_(gridder)
    page = client.get(reverse("visits:day"))
    assert [r.resident.name for r in page.context["missed"]] == ["张春露"]
    assert "窗帘未开" in page.content.decode()
    CarePlan.objects.filter(resident=zhang).update(curtain_deadline=time(23, 59))  # not yet missed
    page = client.get(reverse("visits:day"))
    assert any(r.item.method == "curtain_sign" for r in page.context["due"])
    client.post(reverse("visits:curtain", args=[zhang.pk]))
    assert Visit.objects.get().method == "curtain_sign"
    page = client.get(reverse("visits:day"))
    assert not any(r.item.method == "curtain_sign" for r in page.context["due"])
    assert len(page.context["done"]) == 1


def test_the_day_page_runs_a_bounded_number_of_queries(web, rules, gridder, east1, django_assert_max_num_queries):
    from tests.factories import ResidentFactory

    client = web.as_(gridder)
    for i in range(30):
        resident = ResidentFactory(name=f"重点{i}", grid=east1, care_tier="key")
        CarePlan.objects.create(resident=resident, curtain_pact=True)
        services.visit_record(actor=gridder, resident=resident, method="phone")
    # session, user, scope grids, the schedule (rules, residents, curtain plans, last visits), the
    # residents shown, today's visits, the unread badge, the session save (3): not per row.
    with django_assert_max_num_queries(16):
        page = client.get(reverse("visits:day"))
    assert len(page.context["done"]) == 30


def test_recording_a_visit_with_a_hazard_in_the_form(web, gridder, zhang):
    client = web.as_(gridder)
    url = reverse("visits:record", args=[zhang.pk]) + "?method=home"
    assert client.get(url).context["form"].initial["method"] == "home"
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    bad = client.post(url, {"method": "home", "visited_at": now, "ok": "on", "hazard_kind": "fire"})
    assert "hazard_description" in bad.context["form"].errors
    client.post(url, {"method": "home", "visited_at": now, "ok": "on", "hazard_kind": "fire",
                      "hazard_description": "楼道堆放纸箱", "notes": "已提醒清理"})
    assert Hazard.objects.get().description == "楼道堆放纸箱"
    assert Visit.objects.get().notes == "已提醒清理"


def test_odd_requests_get_a_message_not_a_500(web, staff_east, gridder, zhang):
    from datetime import date

    from residents import services as resident_services

    resident_services.resident_archive(actor=staff_east, resident=zhang, status="moved_out", on=date(2026, 1, 1),
                                       reason="迁出")
    response = web.as_(gridder).post(reverse("visits:curtain", args=[zhang.pk]), follow=True)
    assert response.status_code == 200 and "已归档" in response.content.decode()
    for month in ["9999-12", "0-0", "abc", "2026-13"]:
        assert web.as_(staff_east).get(reverse("visits:overview") + f"?month={month}").status_code == 200


def test_a_grid_worker_cannot_open_the_form_for_another_grid(web, gridder, li):
    assert web.as_(gridder).get(reverse("visits:record", args=[li.pk])).status_code == 404
    assert web.as_(gridder).post(reverse("visits:curtain", args=[li.pk])).status_code == 404


@pytest.mark.parametrize("persona, status", [("leader", 403), ("district", 403), ("auditor", 403),
                                             ("security", 403)])
def test_readers_cannot_record(request, web, zhang, persona, status):
    client = web.as_(request.getfixturevalue(persona))
    assert client.get(reverse("visits:record", args=[zhang.pk])).status_code == status


def test_the_overview_shows_compliance_overdue_by_worker_hazards_and_the_monthly_rate(web, rules, staff_east,
                                                                                     gridder, zhang, li):
    from residents.models import ResidentTag

    ResidentTag.objects.create(resident=li, tag="empty_nest")  # 李秀英, 68, empty nest: a target elder
    Visit.objects.create(resident=zhang, method="home", visitor=gridder,
                         visited_at=timezone.now() - timedelta(days=10))
    services.visit_record(actor=gridder, resident=zhang, method="phone",
                          hazards=[{"kind": "fraud", "description": "接到保健品推销电话"}])
    page = web.as_(staff_east).get(reverse("visits:overview")).context
    # This week: one phone call, on time; overdue now: zhang's home visit (3 days) → 1 / (1 + 1).
    assert page["week"]["on_time"] == 1 and page["week"]["overdue_now"] == 1 and page["week"]["rate"] == 50.0
    assert [(r["worker"], r["count"], r["worst"]) for r in page["by_worker"]] == [(gridder, 1, 3)]
    assert page["open_hazards"] == 1
    rate = page["visit_rate"]
    # zhang (living alone) had a home visit 10 days ago: this month unless the month just began.
    visited_this_month = (timezone.localdate() - timedelta(days=10)).month == timezone.localdate().month
    assert rate["total"] == 2 and rate["visited"] == (1 if visited_this_month else 0)
    assert li in rate["missing"]


def test_the_admin_sets_the_visit_rules(web, admin, rules, heping):
    client = web.as_(admin)
    rule = VisitRule.objects.get(subdistrict=heping, care_tier="key", method="home")
    client.post(reverse("visits:rule_update", args=[rule.pk]), {
        "care_tier": "key", "method": "home", "frequency": "every_n_days", "every_n_days": "3",
        "escalate_after_days": "1"})
    rule.refresh_from_db()
    assert (rule.frequency, rule.every_n_days, rule.escalate_after_days) == ("every_n_days", 3, 1)
    missing_n = client.post(reverse("visits:rules"), {"care_tier": "none", "method": "phone",
                                                      "frequency": "every_n_days", "escalate_after_days": "3"})
    assert "间隔天数" in str(missing_n.context["form"].errors)
    duplicate = client.post(reverse("visits:rules"), {"care_tier": "key", "method": "home", "frequency": "daily",
                                                      "escalate_after_days": "3"})
    assert "已有" in str(duplicate.context["form"].errors)


@pytest.mark.parametrize("persona", ["staff_east", "leader", "gridder"])
def test_only_the_admin_sets_rules(request, web, persona):
    assert web.as_(request.getfixturevalue(persona)).get(reverse("visits:rules")).status_code == 403


def test_staff_name_a_responsible_worker_and_enrol_the_curtain_pact(web, staff_east, gridder, staff_west, zhang):
    client = web.as_(staff_east)
    url = reverse("visits:plan", args=[zhang.pk])
    refused = client.post(url, {"responsible": staff_west.pk, "curtain_deadline": "08:00"})
    assert "responsible" in refused.context["form"].errors  # not someone of her community
    client.post(url, {"responsible": gridder.pk, "curtain_pact": "on", "curtain_deadline": "07:30"})
    plan = CarePlan.objects.get(resident=zhang)
    assert plan.responsible == gridder and plan.curtain_pact and plan.curtain_deadline == time(7, 30)
    assert web.as_(gridder).get(url).status_code == 403


def test_the_inbox_page_lists_and_marks_reminders(web, rules, gridder, zhang):
    services.reminders_run()
    client = web.as_(gridder)
    page = client.get(reverse("inbox"))
    assert len(page.context["object_list"]) == 2 and "提醒 <span class=\"badge\">2</span>" in page.content.decode()
    client.post(reverse("notification_read", args=[0]))
    assert "badge" not in client.get(reverse("inbox")).content.decode()


def test_anonymous_actions_are_sent_to_login_and_change_nothing(client, zhang):
    for url in [reverse("visits:curtain", args=[zhang.pk]), reverse("notification_read", args=[0]),
                reverse("visits:hazard_transition", args=[1, "closed"]), reverse("visits:day")]:
        response = client.post(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Visit.objects.exists()
