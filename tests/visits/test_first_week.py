"""What 周网格 and 赵管理 met in their first week with the visit plans, and what they meet now."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from jiedao.models import Notification, NotificationKind
from residents.models import Resident
from tests.factories import ResidentFactory
from visits import schedule, services
from visits.models import Hazard, Visit, VisitRule

from .conftest import at

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


# --- rules ---------------------------------------------------------------------------------------------

def test_a_rule_for_the_tier_none_is_refused_it_has_no_plan(admin, rules, wang):
    with pytest.raises(ValidationError) as refused:
        services.visit_rule_save(actor=admin, rule=VisitRule(care_tier="none", method="phone", frequency="monthly"))
    assert "care_tier" in refused.value.message_dict
    assert not VisitRule.objects.filter(care_tier="none").exists()


def test_the_rules_form_offers_only_the_tiers_that_have_plans(web, admin, rules):
    form = web.as_(admin).get(reverse("visits:rules")).context["form"]
    assert "none" not in dict(form.fields["care_tier"].choices)


def test_a_new_rule_counts_from_the_day_it_is_made(admin, heping, li, gridder, monkeypatch):
    # 李秀英 (regular tier) was last visited at home in September; 赵管理 adds a weekly visit today. It is
    # due today, not 60 days overdue.
    li.care_tier = "regular"
    li.save()
    Visit.objects.create(resident=li, method="other", visited_at=at(date(2026, 9, 20)), visitor=gridder)
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    services.visit_rule_save(actor=admin, rule=VisitRule(care_tier="regular", method="other", frequency="weekly"))
    items = [i for i in schedule.due_items(Resident.objects.filter(pk=li.pk), today=TODAY) if i.method == "other"]
    assert [(i.due_date, i.overdue_days) for i in items] == [(TODAY, 0)]
    later = TODAY + timedelta(days=3)
    items = [i for i in schedule.due_items(Resident.objects.filter(pk=li.pk), today=later) if i.method == "other"]
    assert [i.overdue_days for i in items] == [3]


def test_a_rule_changed_to_another_frequency_counts_afresh(admin, rules, zhang, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    rule = VisitRule.objects.get(care_tier="key", method="home")
    rule.escalate_after_days = 5
    services.visit_rule_save(actor=admin, rule=rule)
    assert VisitRule.objects.get(pk=rule.pk).counts_from is None  # the escalation limit changes no count
    rule.frequency = "daily"
    services.visit_rule_save(actor=admin, rule=rule)
    assert VisitRule.objects.get(pk=rule.pk).counts_from == TODAY


def test_deleting_a_rule_asks_first_and_says_whom_it_affects(web, admin, rules, zhang, li):
    rule = VisitRule.objects.get(care_tier="key", method="home")
    page = web.as_(admin).get(reverse("visits:rule_delete", args=[rule.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "1 位" in text and "确认删除" in text  # 张春露 is the one key-tier resident
    assert VisitRule.objects.filter(pk=rule.pk).exists()
    web.post(reverse("visits:rule_delete", args=[rule.pk]))
    assert not VisitRule.objects.filter(pk=rule.pk).exists()


# --- visits --------------------------------------------------------------------------------------------

def test_an_abnormal_visit_says_what_was_abnormal(gridder, zhang):
    with pytest.raises(ValidationError) as refused:
        services.visit_record(actor=gridder, resident=zhang, method="home", ok=False)
    assert "notes" in refused.value.message_dict
    assert not Visit.objects.exists()
    services.visit_record(actor=gridder, resident=zhang, method="home", ok=False, health="腿脚肿胀")
    assert Visit.objects.count() == 1


def test_the_same_visit_twice_in_a_minute_is_a_double_submission(gridder, zhang):
    when = timezone.now().replace(second=5, microsecond=0) - timedelta(hours=1)
    services.visit_record(actor=gridder, resident=zhang, method="phone", visited_at=when)
    with pytest.raises(ValidationError) as refused:
        services.visit_record(actor=gridder, resident=zhang, method="phone", visited_at=when + timedelta(seconds=40))
    assert "重复提交" in " ".join(refused.value.messages)
    services.visit_record(actor=gridder, resident=zhang, method="home", visited_at=when)  # another method is fine
    assert Visit.objects.count() == 2


def test_closing_a_hazard_needs_a_note_of_what_was_done(web, api, gridder, zhang):
    visit = services.visit_record(actor=gridder, resident=zhang, method="home",
                                  hazards=[{"kind": "gas", "description": "燃气软管老化"}])
    hazard = Hazard.objects.get(visit=visit)
    with pytest.raises(ValidationError) as refused:
        services.hazard_transition(actor=gridder, hazard=hazard, status="closed")
    assert "note" in refused.value.message_dict
    refused = api.as_(gridder).post(f"/api/v1/hazards/{hazard.pk}/transition/", {"status": "closed"}, format="json")
    assert refused.status_code == 400 and "note" in refused.json()
    web.as_(gridder).post(reverse("visits:hazard_transition", args=[hazard.pk, "closed"]), {"note": "已更换软管"})
    hazard.refresh_from_db()
    assert (hazard.status, hazard.resolution) == ("closed", "已更换软管")


# --- reminders -----------------------------------------------------------------------------------------

def test_a_home_visit_clears_the_curtain_alert_it_answered(rules, zhang, curtain, gridder, staff_east):
    services.reminders_run(now=at(TODAY, 10, 30))  # missed at 8, escalated at 10
    unread = Notification.objects.filter(resident=zhang, read_at__isnull=True)
    assert {n.kind for n in unread} >= {NotificationKind.CURTAIN_MISSED, NotificationKind.ESCALATION}
    services.visit_record(actor=gridder, resident=zhang, method="home", visited_at=at(TODAY, 10, 40))
    assert not Notification.objects.filter(resident=zhang, method="curtain_sign", read_at__isnull=True).exists()
    assert not Notification.objects.filter(resident=zhang, method="home", read_at__isnull=True).exists()
    # The phone call due today is still to be made.
    assert Notification.objects.filter(resident=zhang, method="phone", read_at__isnull=True).exists()


def test_reminders_read_naturally(rules, zhang, gridder, staff_east):
    Visit.objects.create(resident=zhang, method="phone", visited_at=at(TODAY), visitor=gridder)
    Visit.objects.create(resident=zhang, method="home", visited_at=at(TODAY - timedelta(days=11)), visitor=gridder)
    services.reminders_run(now=at(TODAY, 9, 0))
    messages = list(Notification.objects.values_list("message", flat=True))
    assert messages and not any("探访探访" in m or "问候探访" in m for m in messages), messages
    assert "张春露 的上门探访已逾期 4 天。" in messages


# --- the curtain after its deadline --------------------------------------------------------------------

@pytest.fixture
def half_past_nine(monkeypatch):
    """The clock at 09:30 on TODAY, for the pages and services alike."""
    monkeypatch.setattr(timezone, "now", lambda: at(TODAY, 9, 30))


def test_after_the_deadline_the_worker_records_when_the_curtain_was_in_fact_open(web, rules, zhang, curtain,
                                                                               gridder, half_past_nine):
    # 8:00 passed; 周网格 rang and learnt the curtain was opened at 9:10.
    page = web.as_(gridder).get(reverse("visits:day")).content.decode()
    assert "实际开窗时间" in page
    web.post(reverse("visits:curtain", args=[zhang.pk]), {"ok": "1", "at": "09:10"})
    sign = Visit.objects.get(resident=zhang, method="curtain_sign")
    assert sign.visited_at == at(TODAY, 9, 10) and sign.ok


@pytest.mark.parametrize("bad", ["25:99", "9:10:00:00", "０９:１０", "\x00", "10:00", "23:59"])
def test_a_curtain_time_not_yet_come_or_not_a_time_is_refused(web, rules, zhang, curtain, gridder, half_past_nine,
                                                             bad):
    answer = web.as_(gridder).post(reverse("visits:curtain", args=[zhang.pk]), {"ok": "1", "at": bad}, follow=True)
    assert answer.status_code in (200, 400)
    assert not Visit.objects.filter(method="curtain_sign").exists()


def test_a_new_resident_of_a_planned_tier_is_due_from_the_day_their_tier_began(rules, east1):
    # Unchanged by the rule's own start: the later of the two counts.
    fresh = ResidentFactory(name="新居民", grid=east1, care_tier="key")
    fresh.care_tier_since = TODAY - timedelta(days=2)
    fresh.save()
    items = schedule.due_items(Resident.objects.filter(pk=fresh.pk), today=TODAY)
    assert {i.overdue_days for i in items} == {2}
