"""A web process as a deployment runs it (issue 17), read by a fresh interpreter from its environment: the
broker and the cache on Redises of their own (the broker's must never evict a queued reminder, the cache's
may evict under memory pressure), and a process ready before its first request."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
READ = ("import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps([settings.CELERY_BROKER_URL, settings.CACHES['default'].get('LOCATION'), "
        "settings.SESSION_ENGINE]))")


def _settings(**environment) -> list:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CACHE_URL")}
    env.update(environment, DJANGO_SETTINGS_MODULE="jiedao.settings")
    done = subprocess.run([sys.executable, "-c", READ], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("environment", "expected"), [
    ({}, ["memory://", None, "django.contrib.sessions.backends.db"]),
    ({"REDIS_URL": "redis://broker:6379/0"},
     ["redis://broker:6379/0", "redis://broker:6379/0", "django.contrib.sessions.backends.cached_db"]),
    ({"REDIS_URL": "redis://broker:6379/0", "CACHE_URL": "redis://cache:6379/0"},
     ["redis://broker:6379/0", "redis://cache:6379/0", "django.contrib.sessions.backends.cached_db"]),
])
def test_the_cache_goes_where_cache_url_says_and_the_broker_stays_on_redis_url(environment, expected):
    assert _settings(**environment) == expected


def test_a_web_process_is_ready_before_its_first_request_with_nothing_left_for_a_long_collection():
    """jiedao/wsgi.py imports every view before the first request and freezes what is alive then, so that no
    request pays for a full garbage collection walking the 300,000 objects that live as long as the process."""
    probe = ("import gc, sys; import jiedao.wsgi; "
             "print(gc.get_freeze_count(), 'residents.views' in sys.modules, len(gc.get_objects()))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jiedao.settings", "DEBUG": "1"}
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    frozen, views_loaded, tracked = done.stdout.split()
    # What a full collection walks is what is tracked and not frozen: a few thousand objects, not 300,000.
    assert int(frozen) > 100_000 and views_loaded == "True" and int(tracked) < int(frozen) // 20
