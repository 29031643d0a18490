"""Celery: in-process without Redis (the demo), through a real worker and Redis when REDIS_URL is set (CI)."""

import os

import pytest
from django.conf import settings

from jiedao.celery import app
from jiedao.tasks import ping_task


def test_without_a_broker_tasks_run_in_process(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    try:
        assert ping_task.delay("demo").get() == "pong:demo"
    finally:
        app.conf.task_always_eager = settings.CELERY_TASK_ALWAYS_EAGER


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs the Redis that CI provides")
def test_a_real_worker_on_redis_runs_a_task():
    from celery.contrib.testing.worker import start_worker

    assert settings.CELERY_BROKER_URL.startswith("redis://")
    app.conf.task_always_eager = False
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", queues=["files"]):
        assert ping_task.delay("ci").get(timeout=20) == "pong:ci"
