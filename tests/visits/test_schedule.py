"""The one definition of due and overdue, on 张春露's plan."""

from datetime import date, timedelta

import pytest

from residents.models import Resident
from visits import schedule
from visits.models import Visit

from .conftest import at

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


def _due(today=TODAY, **filters):
    return {(i.method, i.due_date, i.overdue_days) for i in schedule.due_items(Resident.objects.filter(**filters),
                                                                             today=today)}


def test_a_key_resident_never_visited_is_due_today_by_phone_and_at_home(rules, zhang, gridder):
    assert _due(pk=zhang.pk) == {("phone", TODAY, 0), ("home", TODAY, 0)}


def test_a_weekly_home_visit_falls_due_seven_days_later_and_is_overdue_after(rules, zhang, gridder):
    Visit.objects.create(resident=zhang, method="home", visited_at=at(TODAY - timedelta(days=7)), visitor=gridder)
    Visit.objects.create(resident=zhang, method="phone", visited_at=at(TODAY), visitor=gridder)
    assert _due(pk=zhang.pk) == {("home", TODAY, 0)}
    assert _due(TODAY + timedelta(days=2), pk=zhang.pk) == {("home", TODAY, 2), ("phone", TODAY + timedelta(days=1), 1)}


def test_monthly_and_quarterly_keep_the_day_of_month(rules, li, gridder):
    li.care_tier = "general"
    li.save()
    Visit.objects.create(resident=li, method="phone", visited_at=at(date(2026, 1, 31)), visitor=gridder)
    Visit.objects.create(resident=li, method="home", visited_at=at(date(2025, 11, 30)), visitor=gridder)
    # phone: 31 Jan + 1 month = 28 Feb; home: 30 Nov + 3 months = 28 Feb (no 30 Feb).
    assert _due(date(2026, 2, 28), pk=li.pk) == {("phone", date(2026, 2, 28), 0), ("home", date(2026, 2, 28), 0)}
    assert _due(date(2026, 2, 27), pk=li.pk) == set()


def test_residents_without_a_planned_tier_or_archived_are_never_due(rules, wang, zhang, gridder):
    assert _due(pk=wang.pk) == set()  # tier "none"
    zhang.status, zhang.status_date = "deceased", TODAY
    zhang.save()
    assert _due(pk=zhang.pk) == set()


def test_the_curtain_pact_is_a_sign_every_day_and_missed_after_its_deadline(rules, zhang, curtain, gridder):
    items = [i for i in schedule.due_items(Resident.objects.filter(pk=zhang.pk), today=TODAY)
             if i.method == "curtain_sign"]
    assert len(items) == 1
    assert not schedule.curtain_missed(items[0], at(TODAY, 7, 59))
    assert schedule.curtain_missed(items[0], at(TODAY, 8, 0))
    Visit.objects.create(resident=zhang, method="curtain_sign", visited_at=at(TODAY, 7, 30), visitor=gridder)
    assert ("curtain_sign", TODAY, 0) not in _due(pk=zhang.pk)


def test_the_most_urgent_come_first(rules, zhang, li, curtain, gridder):
    li.care_tier = "key"
    li.save()
    Visit.objects.create(resident=li, method="home", visited_at=at(TODAY - timedelta(days=12)), visitor=gridder)
    items = schedule.due_items(Resident.objects.all(), today=TODAY)
    assert items[0].method == "curtain_sign"
    assert items[1].resident_id == li.pk and items[1].overdue_days == 5


def test_the_schedule_costs_the_same_queries_for_one_or_many_residents(rules, zhang, east1, gridder,
                                                                       django_assert_num_queries):
    from tests.factories import ResidentFactory

    # rules, the stored due dates (only those due by today), curtain plans
    with django_assert_num_queries(3):
        schedule.due_items(Resident.objects.all(), today=TODAY)
    for i in range(20):
        ResidentFactory(name=f"重点{i}", grid=east1, care_tier="key")
    with django_assert_num_queries(3):
        assert len(schedule.due_items(Resident.objects.all(), today=TODAY)) == 42
