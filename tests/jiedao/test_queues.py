"""Jobs wait in queues by kind (jiedao/settings.py WORKER_QUEUES), each read by workers of its own, so that the
district's month-end export never stands in front of a curtain alert."""

import os

import pytest
from django.conf import settings

from jiedao.celery import app

OURS = ("jiedao.", "residents.", "visits.", "elderly_care.", "assistance.", "child_services.", "volunteers.",
        "reports.")


def _queue(task_name: str) -> str | None:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_every_job_of_the_portal_has_a_queue_that_a_worker_reads():
    app.loader.import_default_modules()
    ours = sorted(name for name in app.tasks if name.startswith(OURS))
    assert ours, "the portal's tasks are registered"
    unrouted = [name for name in ours if name not in settings.CELERY_TASK_ROUTES]
    assert unrouted == [], f"add these to WORKER_QUEUES: {unrouted}"
    for name in ours:
        assert _queue(name) in settings.WORKER_QUEUES


def test_every_periodic_job_is_routed_and_reminders_go_to_the_reminders_queue():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled <= set(settings.CELERY_TASK_ROUTES)
    for name in ["visits.run_reminders_task", "volunteers.run_order_reminders_task",
                 "volunteers.run_pairing_reminders_task", "assistance.run_case_reviews_task"]:
        assert _queue(name) == "reminders"
    assert _queue("jiedao.build_export_task") == "files"
    assert _queue("reports.build_monthly_reports_task") == "reports"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs the Redis that CI provides")
def test_a_reminder_worker_runs_reminders_while_an_export_waits_for_its_own_worker():
    from celery.contrib.testing.worker import start_worker

    from jiedao.tasks import ping_task
    from visits.tasks import run_reminders_task

    app.conf.task_always_eager = False
    try:
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge("files")
        waiting = ping_task.delay("export")  # on the files queue: no files worker is running
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", queues=["reminders"]):
            assert run_reminders_task.delay().get(timeout=60)["written"] == 0  # ran, with nothing due
            assert waiting.state == "PENDING"
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", queues=["files"]):
            assert waiting.get(timeout=30) == "pong:export"
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER
