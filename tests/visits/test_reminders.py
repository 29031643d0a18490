"""The reminder job, as the beat runs it every 15 minutes: who is told what, once."""

from datetime import date, timedelta

import pytest

from visits import services
from visits.models import CarePlan, Notification, Visit

from .conftest import at

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


def _inbox(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", "method"))


def test_zhang_chunlus_grid_worker_is_reminded_of_what_is_due_today(rules, zhang, gridder, staff_east):
    services.reminders_run(now=at(TODAY, 7, 0))
    assert _inbox(gridder) == [("due", "home"), ("due", "phone")]
    assert _inbox(staff_east) == []


def test_running_the_job_twice_writes_and_sends_nothing_twice(rules, zhang, gridder, caplog):
    first = services.reminders_run(now=at(TODAY, 7, 0))
    second = services.reminders_run(now=at(TODAY, 7, 15))
    assert first["delivered"] == 2 and second["delivered"] == 0
    assert Notification.objects.count() == 2
    assert sum("张春露" in r.getMessage() for r in caplog.records) == 2


def test_overdue_past_the_rules_limit_escalates_to_the_community_staff(rules, zhang, gridder, staff_east,
                                                                        staff_west):
    Visit.objects.create(resident=zhang, method="phone", visited_at=at(TODAY), visitor=gridder)
    Visit.objects.create(resident=zhang, method="home", visited_at=at(TODAY - timedelta(days=11)), visitor=gridder)
    services.reminders_run(now=at(TODAY, 9, 0))
    assert _inbox(gridder) == [("overdue", "home")]
    assert _inbox(staff_east) == [("escalation", "home")]  # 4 days overdue > 3
    assert _inbox(staff_west) == []  # another community's staff hear nothing
    message = Notification.objects.get(recipient=staff_east).message
    assert "张春露" in message and "逾期 4 天" in message


def test_a_closed_curtain_at_eight_alerts_the_worker_at_once(rules, zhang, curtain, gridder, staff_east):
    services.reminders_run(now=at(TODAY, 7, 45))
    assert ("curtain_missed", "curtain_sign") not in _inbox(gridder)
    services.reminders_run(now=at(TODAY, 8, 0))
    assert ("curtain_missed", "curtain_sign") in _inbox(gridder)
    assert "立即上门" in Notification.objects.get(recipient=gridder, kind="curtain_missed").message


def test_a_missed_curtain_escalates_when_no_home_visit_follows_within_two_hours(rules, zhang, curtain, gridder,
                                                                               staff_east):
    services.reminders_run(now=at(TODAY, 9, 59))
    assert not Notification.objects.filter(recipient=staff_east).exists()
    services.reminders_run(now=at(TODAY, 10, 0))
    assert _inbox(staff_east) == [("escalation", "curtain_sign")]


def test_a_home_visit_after_the_missed_curtain_stops_the_escalation(rules, zhang, curtain, gridder, staff_east):
    Visit.objects.create(resident=zhang, method="home", visited_at=at(TODAY, 8, 40), visitor=gridder, ok=True)
    services.reminders_run(now=at(TODAY, 11, 0))
    assert not Notification.objects.filter(recipient=staff_east, kind="escalation").exists()


def test_a_named_responsible_worker_replaces_the_grid_worker(rules, zhang, gridder, staff_east):
    CarePlan.objects.create(resident=zhang, responsible=staff_east)
    services.reminders_run(now=at(TODAY, 7, 0))
    assert _inbox(staff_east) == [("due", "home"), ("due", "phone")]
    assert _inbox(gridder) == []


def test_with_no_grid_worker_the_community_staff_are_reminded(rules, li, staff_east):
    li.care_tier = "key"
    li.save()
    services.reminders_run(now=at(TODAY, 7, 0))
    assert _inbox(staff_east) == [("due", "home"), ("due", "phone")]


def test_a_failing_delivery_leaves_the_reminder_for_the_next_run(rules, zhang, gridder, settings):
    settings.NOTIFICATION_BACKEND = "tests.visits.test_reminders.BrokenBackend"
    with pytest.raises(ConnectionError):
        services.reminders_run(now=at(TODAY, 7, 0))
    assert Notification.objects.filter(delivered_at__isnull=True).count() == 2  # written, not yet sent
    settings.NOTIFICATION_BACKEND = "visits.delivery.LogBackend"
    assert services.reminders_run(now=at(TODAY, 7, 15))["delivered"] == 2


class BrokenBackend:
    def send(self, notification):
        raise ConnectionError("SMS gateway down")


def test_the_command_runs_the_job_at_the_time_given(rules, zhang, curtain, gridder, capsys):
    from django.core.management import call_command

    call_command("run_reminders", "--now", "2026-11-23T08:05")
    assert "推送 3 条" in capsys.readouterr().out
    assert ("curtain_missed", "curtain_sign") in _inbox(gridder)
    with pytest.raises(Exception, match="格式"):
        call_command("run_reminders", "--now", "tomorrow")
