"""An office upgrading to stored due dates: the residents already on a plan are due as before the upgrade,
without anyone having to run refill_due_dates (an empty table would have left every grid worker's day blank)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.migrations import upgrading_from

BEFORE = [("visits", "0004_due_dates")]


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_stores_the_due_dates_of_the_residents_already_planned():
    with upgrading_from(BEFORE) as upgrade:
        old = upgrade.old
        street = old.get_model("residents", "Subdistrict").objects.create(name="和平里街道")
        east = old.get_model("residents", "Community").objects.create(subdistrict=street, name="东园社区")
        grid = old.get_model("residents", "Grid").objects.create(community=east, name="东一网格")
        weeks_ago = timezone.localdate() - timedelta(days=21)
        zhang = old.get_model("residents", "Resident").objects.create(
            name="张春露", id_number="110105194105020021", birth_date=date(1941, 5, 2), gender="F", grid=grid,
            community=east, care_tier="key", care_tier_since=weeks_ago)
        old.get_model("visits", "VisitRule").objects.create(subdistrict=street, care_tier="key", method="home",
                                                            frequency="weekly", escalate_after_days=1)
        new = upgrade.to_latest()
        due = new.get_model("visits", "DueDate").objects.get(resident_id=zhang.pk)
        # Never visited: stored without a date, due from the day her tier began.
        assert (due.method, due.last_visit, due.due_date, due.since) == ("home", None, None, weeks_ago)

        from residents.models import Resident
        from visits import schedule

        items = schedule.due_items(Resident.objects.filter(pk=zhang.pk))
        assert [(i.method, i.overdue_days) for i in items] == [("home", 21)]
