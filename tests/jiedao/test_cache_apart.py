"""The broker and the cache on Redises of their own (issue 17): the broker's must never evict a queued
reminder, the cache's may evict under memory pressure. The settings are read by a fresh interpreter, as a
deployment's web process reads them from its environment."""

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
