"""The project's own promises: deploy checks, migrations, no assets from the internet."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def _clean_env():
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for this process; a production process has none.
    drop = {"DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY", "PYTEST_VERSION", "FIELD_ENCRYPTION_KEY",
            "FIELD_ENCRYPTION_OLD_KEYS", "FIELD_CIPHER"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def _manage(*args, **env):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**_clean_env(), **env}, timeout=120)


FIELD_KEY = "f" * 20 + "-production-field-key-" + "g" * 20


def test_production_settings_pass_the_deploy_check():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", SECURE="1", DEBUG="0",
                     SECRET_KEY="x" * 20 + "-production-secret-" + "y" * 30, ALLOWED_HOSTS="jiedao.example.gov.cn",
                     FIELD_ENCRYPTION_KEY=FIELD_KEY)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_web_server_refuses_to_start_without_a_secret_key_in_production():
    code = "import jiedao.wsgi"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            env={**_clean_env(), "DEBUG": "0", "FIELD_ENCRYPTION_KEY": FIELD_KEY}, timeout=120)
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
    assert _manage("check", DEBUG="0").returncode == 0  # management commands still run


def test_the_deploy_check_flags_the_development_key():
    result = _manage("check", "--deploy", DEBUG="0", SECURE="1", FIELD_ENCRYPTION_KEY=FIELD_KEY)
    assert "security.W009" in result.stdout + result.stderr


def test_in_production_no_process_starts_without_the_field_encryption_key():
    # SECURE on: not even a management command (a migration or an import would write under a known key).
    for key in ("", "development-only-field-encryption-key-never-in-production"):
        result = _manage("check", DEBUG="0", SECURE="1", FIELD_ENCRYPTION_KEY=key)
        assert result.returncode != 0 and "FIELD_ENCRYPTION_KEY must be set" in result.stderr
    # DEBUG off: the web server refuses the development key, as it does the development SECRET_KEY.
    web = subprocess.run([sys.executable, "-c", "import jiedao.wsgi"], cwd=ROOT, capture_output=True, text=True,
                         env={**_clean_env(), "DEBUG": "0", "SECRET_KEY": "s" * 50}, timeout=120)
    assert web.returncode != 0 and "FIELD_ENCRYPTION_KEY must be set" in web.stderr
    short = _manage("check", DEBUG="0", FIELD_ENCRYPTION_KEY="too-short")
    assert short.returncode != 0 and "32 characters" in short.stderr


def test_the_celery_worker_refuses_the_development_field_key(settings):
    from jiedao.celery import _refuse_development_key

    settings.DEBUG = False
    settings.FIELD_ENCRYPTION_KEY = settings.DEV_FIELD_KEY
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEY"):
        _refuse_development_key()
    settings.FIELD_ENCRYPTION_KEY = FIELD_KEY
    _refuse_development_key()


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_no_template_or_stylesheet_loads_anything_from_the_internet():
    offenders = []
    for path in [*ROOT.joinpath("templates").rglob("*.html"), *ROOT.joinpath("static").rglob("*.*")]:
        if re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", path.read_text(errors="ignore")):
            offenders.append(str(path))
    assert offenders == []


@pytest.mark.django_db
def test_the_api_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "/api/v1/residents/{id}/" in (tmp_path / "schema.yml").read_text()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/residents/", "/api/v1/residents/", "/api/v1/me/", "/accounts/login/"])
def test_no_answer_with_personal_data_is_kept_by_a_browser_or_proxy(web, api, staff_east, zhang, url):
    client = api.as_(staff_east) if url.startswith("/api/") else web.as_(staff_east)
    response = client.get(url, follow=url == "/accounts/login/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]



def test_the_schema_documents_what_the_answers_are():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    stats = schema["paths"]["/api/v1/meals/stats/"]["get"]["responses"]["200"]["content"]["application/json"]
    assert stats["schema"]["$ref"].endswith("/MealStats")
    parts = schema["components"]["schemas"]["MealStats"]["properties"]
    assert set(parts) == {"month", "by_point", "by_day", "totals", "deliveries"}
    assert schema["components"]["schemas"]["MonthlyReport"]["properties"]["month"]["type"] == "string"
    resident = schema["components"]["schemas"]["Resident"]["properties"]
    assert resident["birth_date"].get("nullable") and "age_band" in resident


def test_every_operation_documents_its_refusals():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"400", "403", "404"} <= codes, (method, path, codes)
            if method == "patch":
                assert "412" in codes, path
