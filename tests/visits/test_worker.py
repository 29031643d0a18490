"""The reminder job on a real Celery worker over Redis, and two runs at once on PostgreSQL.

These run in CI's second pass (PostgreSQL + Redis); without REDIS_URL the demo runs tasks in-process,
which tests/visits/test_reminders.py covers.
"""

import os
from datetime import date

import pytest
from django.db import connection

from jiedao.celery import app
from jiedao.models import Notification
from tests.doubles import at_once
from visits import services
from visits.tasks import run_reminders_task

from .conftest import at

pytestmark = pytest.mark.django_db(transaction=True)
TODAY = date(2026, 11, 23)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs the Redis that CI provides")
def test_a_worker_on_redis_runs_the_reminder_job_and_a_second_run_sends_nothing(rules, zhang, curtain, gridder,
                                                                                 staff_east):
    from celery.contrib.testing.worker import start_worker

    app.conf.task_always_eager = False
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", queues=["reminders"]):
        first = run_reminders_task.delay(at(TODAY, 10, 30).isoformat()).get(timeout=60)
        second = run_reminders_task.delay(at(TODAY, 10, 45).isoformat()).get(timeout=60)
    # 张春露: home and phone due, curtain missed at 08:00 → her grid worker; no home visit by 10:00 → staff.
    assert first["delivered"] == 4 and second["delivered"] == 0
    assert sorted(Notification.objects.values_list("recipient__username", "kind")) == [
        ("gridder", "curtain_missed"), ("gridder", "due"), ("gridder", "due"), ("staff_east", "escalation")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need a real database server")
def test_two_runs_at_once_write_and_deliver_each_reminder_once(rules, zhang, li, curtain, gridder, staff_east,
                                                                caplog):
    li.care_tier = "key"
    li.save()
    results = at_once(2, lambda: services.reminders_run(now=at(TODAY, 10, 30)))
    assert not [r for r in results if isinstance(r, Exception)]
    total = Notification.objects.count()
    assert sum(r["delivered"] for r in results) == total == 6
    assert Notification.objects.filter(delivered_at__isnull=True).count() == 0
