"""The reminder job, as the beat runs it every 15 minutes: who is told what, once."""

from datetime import date, timedelta

import pytest

from jiedao import notifications
from jiedao.models import Notification
from visits import services
from visits.models import CarePlan, Visit

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
    assert (first["written"], first["delivered"]) == (2, 2)
    assert (second["written"], second["delivered"]) == (0, 0)
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


def test_a_failing_delivery_is_retried_and_does_not_hold_up_the_others(rules, zhang, li, gridder, staff_east,
                                                                         settings):
    li.care_tier = "key"
    li.save()
    settings.NOTIFICATION_BACKEND = "tests.visits.test_reminders.RefusesStaffBackend"
    first = services.reminders_run(now=at(TODAY, 7, 0))
    assert (first["delivered"], first["failed"]) == (2, 2)  # 周网格's two went out; 王丽's two failed
    failed = Notification.objects.filter(recipient=staff_east)
    assert all(n.delivered_at is None and n.attempts == 1 and "短信网关" in n.last_error for n in failed)
    for _ in range(6):
        services.reminders_run(now=at(TODAY, 7, 15))
    assert {n.attempts for n in failed.all()} == {notifications.MAX_DELIVERY_ATTEMPTS}  # then it gives up
    settings.NOTIFICATION_BACKEND = "jiedao.notifications.LogBackend"
    assert services.reminders_run(now=at(TODAY, 7, 30))["delivered"] == 0


class RefusesStaffBackend:
    def send(self, notification):
        if notification.recipient.username == "staff_east":
            raise ConnectionError("短信网关无响应")


def test_a_worker_hears_once_when_due_and_once_more_when_overdue(rules, zhang, gridder):
    Visit.objects.create(resident=zhang, method="phone", visited_at=at(TODAY - timedelta(days=1)), visitor=gridder)
    Visit.objects.create(resident=zhang, method="home", visited_at=at(TODAY), visitor=gridder)
    services.reminders_run(now=at(TODAY, 7, 0))
    services.reminders_run(now=at(TODAY + timedelta(days=1), 7, 0))
    services.reminders_run(now=at(TODAY + timedelta(days=2), 7, 0))
    assert list(Notification.objects.filter(method="phone").order_by("id").values_list("kind", "due_date")) == [
        ("due", TODAY), ("overdue", TODAY)]


def test_a_resident_never_visited_grows_overdue_from_the_day_their_tier_began(rules, zhang, gridder, staff_east):
    zhang.care_tier_since = TODAY - timedelta(days=10)
    zhang.save()
    services.reminders_run(now=at(TODAY, 7, 0))
    assert set(Notification.objects.filter(recipient=gridder).values_list("kind", flat=True)) == {"overdue"}
    assert Notification.objects.filter(recipient=staff_east, kind="escalation").count() == 2


def test_a_named_worker_who_moved_away_no_longer_hears_and_the_grid_worker_does(rules, zhang, gridder, staff_west,
                                                                                west1):
    CarePlan.objects.create(resident=zhang, responsible=staff_west)  # saved back when it was right, say
    services.reminders_run(now=at(TODAY, 7, 0))
    assert _inbox(staff_west) == []
    assert _inbox(gridder) == [("due", "home"), ("due", "phone")]


def test_a_curtain_signed_as_closed_is_an_alarm_at_once(rules, zhang, curtain, gridder):
    Visit.objects.create(resident=zhang, method="curtain_sign", ok=False, visited_at=at(TODAY, 7, 10),
                         visitor=gridder)
    services.reminders_run(now=at(TODAY, 7, 15))
    message = Notification.objects.get(recipient=gridder, kind="curtain_missed").message
    assert "未开" in message


def test_a_home_visit_keeps_the_pact_for_the_day(rules, zhang, curtain, gridder, staff_east):
    # 周网格 went to the door (the alarm's instruction) and saw 张春露: nothing is missing any more.
    Visit.objects.create(resident=zhang, method="home", visited_at=at(TODAY, 8, 20), visitor=gridder)
    services.reminders_run(now=at(TODAY, 10, 30))
    assert not Notification.objects.filter(method="curtain_sign").exists()


def test_where_a_community_has_no_staff_the_admin_hears_the_escalation(rules, zhang, gridder, admin):
    Visit.objects.create(resident=zhang, method="phone", visited_at=at(TODAY), visitor=gridder)
    Visit.objects.create(resident=zhang, method="home", visited_at=at(TODAY - timedelta(days=11)), visitor=gridder)
    services.reminders_run(now=at(TODAY, 9, 0))
    assert _inbox(admin) == [("escalation", "home")]


def test_the_command_runs_the_job_at_the_time_given(rules, zhang, curtain, gridder, capsys):
    from django.core.management import call_command

    call_command("run_reminders", "--now", "2026-11-23T08:05")
    assert "推送 3 条" in capsys.readouterr().out
    assert ("curtain_missed", "curtain_sign") in _inbox(gridder)
    with pytest.raises(Exception, match="格式"):
        call_command("run_reminders", "--now", "tomorrow")
