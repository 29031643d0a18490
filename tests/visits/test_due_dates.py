"""The stored next-due dates (DueDate) follow every write that moves them, so the grid worker's day, the
dashboard and the reminders read them instead of replaying each resident's history. 张春露 (key tier:
phoned daily, visited weekly) and 陈青龙 of 青龙街道 are the story's residents."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from residents.models import Resident
from residents.services import resident_update
from visits import schedule, services
from visits.models import DueDate, Visit, VisitRule

pytestmark = pytest.mark.django_db


def _stored(resident=None):
    rows = DueDate.objects.all() if resident is None else DueDate.objects.filter(resident=resident)
    return {(r.resident_id, r.method, r.last_visit, r.due_date) for r in rows}


def _from_scratch():
    return {(r.resident_id, r.method, r.last_visit, r.due_date)
            for r in schedule.planned_dates(Resident.objects.all())}


def _days_ago(n):
    return timezone.now() - timedelta(days=n)


def test_a_key_resident_never_visited_has_a_date_per_rule_that_moves_with_today(rules, zhang):
    assert _stored(zhang) == {(zhang.pk, "phone", None, None), (zhang.pk, "home", None, None)}


def test_a_visit_recorded_moves_its_method_only(rules, zhang, gridder):
    services.visit_record(actor=gridder, resident=zhang, method="home", visited_at=_days_ago(2))
    home = timezone.localdate(_days_ago(2))
    assert _stored(zhang) == {(zhang.pk, "phone", None, None), (zhang.pk, "home", home, home + timedelta(days=7))}


def test_a_visit_deleted_gives_back_the_date_of_the_one_before(rules, zhang, gridder):
    services.visit_record(actor=gridder, resident=zhang, method="phone", visited_at=_days_ago(3))
    latest = services.visit_record(actor=gridder, resident=zhang, method="phone", visited_at=_days_ago(1))
    latest.delete()  # as the operator's shell would: the date is not left on a visit that is gone
    before = timezone.localdate(_days_ago(3))
    assert (zhang.pk, "phone", before, before + timedelta(days=1)) in _stored(zhang)


def test_a_closed_curtain_sign_is_not_a_visit_and_moves_nothing(rules, zhang, gridder):
    Visit.objects.create(resident=zhang, method="curtain_sign", ok=False, visited_at=_days_ago(0), visitor=gridder)
    assert _stored(zhang) == {(zhang.pk, "phone", None, None), (zhang.pk, "home", None, None)}


def test_a_resident_taken_off_the_plan_loses_her_dates_and_gets_them_back(rules, zhang, staff_east, gridder):
    services.visit_record(actor=gridder, resident=zhang, method="home", visited_at=_days_ago(2))
    resident_update(actor=staff_east, resident=zhang, data={"care_tier": "none"})
    assert _stored(zhang) == set()
    resident_update(actor=staff_east, resident=Resident.objects.get(pk=zhang.pk), data={"care_tier": "regular"})
    home = timezone.localdate(_days_ago(2))
    # The regular tier: phoned every 3 days (never yet), visited monthly from the last home visit.
    assert _stored(zhang) == {(zhang.pk, "phone", None, None), (zhang.pk, "home", home, home.replace(
        month=home.month % 12 + 1, year=home.year + (home.month == 12)))}


def test_an_archived_resident_has_no_dates(rules, zhang, staff_east):
    from residents.services import resident_archive

    resident_archive(actor=staff_east, resident=zhang, status="moved_out", on=timezone.localdate(), reason="搬走")
    assert _stored(zhang) == set()


def test_a_rule_changed_rewrites_its_tier_in_its_sub_district_only(rules, zhang, chen, admin, other_admin):
    services.default_rules_ensure(subdistrict=chen.community.subdistrict)
    chen.care_tier = "key"
    chen.save()
    theirs = set(DueDate.objects.filter(resident=chen).values_list("pk", flat=True))
    rule = VisitRule.objects.get(subdistrict=zhang.community.subdistrict, care_tier="key", method="home")
    rule.frequency, rule.every_n_days = "every_n_days", 10
    services.visit_rule_save(actor=admin, rule=rule)
    assert set(DueDate.objects.filter(resident=chen).values_list("pk", flat=True)) == theirs  # untouched
    assert _stored() == _from_scratch()


def test_a_rule_moved_to_another_tier_takes_its_dates_along(rules, zhang, li, admin):
    li.care_tier = "general"
    li.save()
    rule = VisitRule.objects.get(subdistrict=zhang.community.subdistrict, care_tier="key", method="home")
    VisitRule.objects.filter(subdistrict=rule.subdistrict, care_tier="general", method="home").delete()
    rule.care_tier = "general"
    services.visit_rule_save(actor=admin, rule=rule)
    assert set(DueDate.objects.filter(rule=rule).values_list("resident_id", flat=True)) == {li.pk}
    assert _stored() == _from_scratch()


def test_a_rule_deleted_takes_its_dates_with_it(rules, zhang, admin):
    rule = VisitRule.objects.get(subdistrict=zhang.community.subdistrict, care_tier="key", method="phone")
    services.visit_rule_delete(actor=admin, rule=rule)
    assert {m for _, m, _, _ in _stored(zhang)} == {"home"}


def test_after_a_busy_day_the_stored_dates_are_what_the_history_gives(rules, people, gridder, staff_east, admin):
    zhang, li = people["zhang"], people["li"]
    for days, method in [(9, "home"), (4, "phone"), (1, "phone")]:
        services.visit_record(actor=gridder, resident=zhang, method=method, visited_at=_days_ago(days))
    resident_update(actor=staff_east, resident=li, data={"care_tier": "key"})
    services.visit_record(actor=staff_east, resident=Resident.objects.get(pk=li.pk), method="home",
                          visited_at=_days_ago(5))
    rule = VisitRule.objects.get(subdistrict=zhang.community.subdistrict, care_tier="key", method="phone")
    rule.escalate_after_days = 1  # not a counting field: the dates stay
    services.visit_rule_save(actor=admin, rule=rule)
    assert _stored() == _from_scratch()
    assert len(_stored()) == 4


def test_the_command_rebuilds_the_dates_as_the_writes_kept_them(rules, zhang, li, gridder):
    services.visit_record(actor=gridder, resident=zhang, method="home", visited_at=_days_ago(2))
    kept = _stored()
    DueDate.objects.all().delete()  # a database upgraded from before the table existed
    call_command("refill_due_dates", stdout=open("/dev/null", "w"))
    assert _stored() == kept


def test_a_visit_refreshes_its_resident_in_a_fixed_number_of_queries(rules, zhang, gridder,
                                                                    django_assert_num_queries):
    for days in range(1, 8):
        Visit.objects.create(resident=zhang, method="phone", visited_at=_days_ago(days), visitor=gridder)
    # a savepoint; rules, the resident, their last visits, the old dates deleted, the new ones stored; its release
    with django_assert_num_queries(7):
        services.due_dates_refill(residents=Resident.objects.filter(pk=zhang.pk))


def test_a_sub_district_read_by_its_communities_sees_what_its_residents_give(rules, people, leader, district):
    from residents.models import Community

    services.default_rules_ensure(subdistrict=people["chen"].community.subdistrict)
    for who in people.values():
        who.care_tier = "key"
        who.save()
    for user in (leader, district):
        mine = list(Community.objects.visible_to(user).values_list("pk", flat=True))
        by_residents = schedule.due_items(Resident.objects.visible_to(user))
        assert schedule.due_items(Resident.objects.visible_to(user), communities=mine) == by_residents
    assert {i.resident_id for i in schedule.due_items(Resident.objects.visible_to(leader))} == {
        people[n].pk for n in ("zhang", "li", "wang")}  # not 青龙's 陈青龙


@pytest.mark.django_db(transaction=True)
def test_a_rule_saved_while_a_visit_is_recorded_loses_neither(rules, zhang, gridder, admin):
    """赵管理 changes the key tier's home visits while 李网格 records her visit to 张春露: both refill 张春露's dates
    at the same moment. Written over rather than deleted and inserted, neither breaks the one-per-rule rule
    (the visit would have been lost with a 500)."""
    from django.db import connection

    from tests.doubles import at_once

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need a real database server")
    rule = VisitRule.objects.get(subdistrict=zhang.community.subdistrict, care_tier="key", method="home")
    calls = iter([call for day in (3, 2, 1) for call in (
        lambda: services.visit_rule_save(actor=admin, rule=VisitRule.objects.get(pk=rule.pk)),
        lambda day=day: services.visit_record(actor=gridder, resident=zhang, method="home", visited_at=_days_ago(day)),
    )])
    for _ in range(3):
        outcomes = at_once(2, lambda: next(calls)())
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert Visit.objects.filter(resident=zhang, method="home").count() == 3
    assert DueDate.objects.filter(resident=zhang).count() == 2  # one a rule, never two


def test_the_overdue_counted_in_the_database_are_those_due_items_finds_overdue(rules, people, gridder, admin,
                                                                              leader):
    # 张春露 phoned four days ago and visited nine days ago; 李 never visited since her tier began a week
    # ago (her dates are empty, read from the day her tier began); 王 visited today (nothing overdue).
    from residents.models import Community

    zhang, li, wang = people["zhang"], people["li"], people["wang"]
    for who in (li, wang):
        who.care_tier, who.care_tier_since = "key", timezone.localdate() - timedelta(days=7)
        who.save()
    for days, method in [(9, "home"), (4, "phone")]:
        services.visit_record(actor=gridder, resident=zhang, method=method, visited_at=_days_ago(days))
    for method in ("home", "phone"):
        services.visit_record(actor=admin, resident=Resident.objects.get(pk=wang.pk), method=method)
    residents = Resident.objects.visible_to(leader)
    found = [i for i in schedule.due_items(residents) if i.is_overdue]
    found.sort(key=lambda i: (-i.overdue_days, i.resident_id))
    assert {i.resident_id for i in found} == {zhang.pk, li.pk}
    mine = list(Community.objects.visible_to(leader).values_list("pk", flat=True))
    for communities in (None, mine):
        count, first = schedule.overdue(residents, communities=communities, first=2)
        assert count == len(found) == 4
        assert [(i.resident_id, i.method, i.overdue_days) for i in first] == [
            (i.resident_id, i.method, i.overdue_days) for i in found[:2]]
        assert schedule.overdue(residents, communities=communities, first=0) == (4, [])  # the count alone
