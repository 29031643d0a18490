"""A deployment on PostgreSQL, as on a clean machine: `manage.py migrate` runs as the owner (DATABASE_OWNER_URL)
and creates the runtime role of DATABASE_URL; connected as that role for real, the portal writes and reads the
audit log but can neither change, delete nor truncate it, nor switch its trigger off; the prune refuses to run
as it; a backup restored into an empty database gives the same counts and a chain that verifies.

Each step runs `manage.py` in a subprocess, with the two URLs a deployment sets. CI connects as the
superuser postgres, from which the module makes its own databases and the runtime role (idempotent)."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="database roles are PostgreSQL's")

ROLE, PASSWORD = "jiedao_runtime_test", "runtime-test-pass"
ROOT = Path(__file__).resolve().parents[2]
KEY = "a-backup-key-of-at-least-32-characters!"


def server() -> dict:
    db = settings.DATABASES["default"]
    return {"host": db.get("HOST") or "127.0.0.1", "port": db.get("PORT") or 5432, "user": db["USER"],
            "password": db.get("PASSWORD") or None}


def url(user: str, password: str | None, name: str) -> str:
    s = server()
    secret = f":{password}" if password else ""
    return f"postgres://{user}{secret}@{s['host']}:{s['port']}/{name}"


def admin_sql(*statements: str) -> None:
    with psycopg.connect(dbname="postgres", autocommit=True, **server()) as conn:
        for statement in statements:
            conn.execute(statement)


def manage(*args: str, name: str, owner: bool = True, tmp: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_OWNER_URL", "PYTEST_CURRENT_TEST"}}
    env.update(DATABASE_URL=url(ROLE, PASSWORD, name), BACKUP_KEY=KEY, MEDIA_ROOT=str(tmp / "media"),
               AUDIT_ARCHIVE_DIR=str(tmp / "archive"))
    if owner:
        s = server()
        env["DATABASE_OWNER_URL"] = url(s["user"], s["password"], name)
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    if check:
        assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """A fresh database, migrated as the owner, with a day's audit entries written as the runtime role."""
    tmp = tmp_path_factory.mktemp("deploy")
    name, restored = f"jiedao_roles_{os.getpid()}", f"jiedao_restored_{os.getpid()}"
    admin_sql(f"DROP DATABASE IF EXISTS {name}", f"DROP DATABASE IF EXISTS {restored}", f"CREATE DATABASE {name}")
    try:
        manage("migrate", "--noinput", "-v0", name=name, tmp=tmp)
        # The portal at work, connected as the runtime role only (no owner URL): audited writes in a
        # transaction, linked into the chain after their commit.
        script = (
            "from django.db import transaction\n"
            "from jiedao import audit\n"
            "from residents.models import Subdistrict\n"
            "s = Subdistrict.objects.create(name='和平里街道')\n"
            "with transaction.atomic():\n"
            "    for i in range(5):\n"
            "        audit.record(actor=None, action='login_failed', username=f'user{i}', subdistrict_id=s.pk)\n"
        )
        manage("shell", "-c", script, name=name, owner=False, tmp=tmp)
        (tmp / "media" / "cases").mkdir(parents=True)
        (tmp / "media" / "cases" / "scan.pdf").write_bytes(b"%PDF-1.4 scan")
        yield {"name": name, "restored": restored, "tmp": tmp}
    finally:
        admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"DROP DATABASE IF EXISTS {restored} WITH (FORCE)")


@pytest.fixture
def runtime(deployed):
    s = server()
    with psycopg.connect(dbname=deployed["name"], host=s["host"], port=s["port"], user=ROLE, password=PASSWORD,
                         autocommit=True) as conn:
        yield conn


def test_migrate_ran_as_the_owner_and_the_runtime_role_owns_nothing(deployed, runtime):
    owners = runtime.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'").fetchall()
    assert owners == [(server()["user"],)]


def test_the_runtime_role_writes_and_reads_the_audit_log(deployed, runtime):
    assert runtime.execute("SELECT count(*) FROM jiedao_auditentry").fetchone() == (5,)
    assert runtime.execute("SELECT count(*) FROM jiedao_auditlink").fetchone() == (5,)  # linked as it
    runtime.execute("INSERT INTO jiedao_auditentry (at, actor_username, action, target_type, target_id, "
                    "target_label, changes) VALUES (now(), 'probe', 'login_failed', '', '', '', '{}')")
    # …and works on the rest as usual.
    runtime.execute("UPDATE residents_subdistrict SET name = name")


@pytest.mark.parametrize("statement", [
    "UPDATE jiedao_auditentry SET action = 'login'",
    "DELETE FROM jiedao_auditentry",
    "TRUNCATE jiedao_auditentry",
    "UPDATE jiedao_auditlink SET hash = ''",
    "DELETE FROM jiedao_auditlink",
    "TRUNCATE jiedao_auditlink",
    "INSERT INTO jiedao_auditanchor (chain, seq, hash, pruned, at) VALUES (1, 1, '', 0, now())",
    "ALTER TABLE jiedao_auditentry DISABLE TRIGGER jiedao_auditentry_append_only",
    "ALTER TABLE jiedao_auditentry DISABLE TRIGGER ALL",
    "SET session_replication_role = replica",
])
def test_the_runtime_role_cannot_change_the_log_or_switch_its_guard_off(runtime, statement):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        runtime.execute(statement)


def test_granting_again_changes_nothing(deployed):
    manage("grant_runtime_role", name=deployed["name"], tmp=deployed["tmp"])


def test_the_prune_refuses_to_run_as_the_runtime_role(deployed):
    done = manage("audit_prune", name=deployed["name"], owner=False, tmp=deployed["tmp"], check=False)
    assert done.returncode != 0
    assert "须以审计表的属主角色运行" in done.stderr


def test_a_backup_restored_into_an_empty_database_gives_the_same_counts_and_a_chain_that_verifies(deployed):
    name, restored, tmp = deployed["name"], deployed["restored"], deployed["tmp"]
    manage("audit_verify", name=name, owner=False, tmp=tmp)  # links an entry written by hand above, if any
    manage("backup", "--output", str(tmp / "backups"), name=name, tmp=tmp)
    (backup,) = (tmp / "backups").iterdir()
    assert b"login_failed" not in backup.read_bytes()  # encrypted
    admin_sql(f"CREATE DATABASE {restored}")
    (tmp / "media" / "cases" / "scan.pdf").unlink()  # the disk was lost too
    done = manage("restore", str(backup), name=restored, tmp=tmp)
    assert "各表行数一致" in done.stdout and "审计链完整" in done.stdout
    assert (tmp / "media" / "cases" / "scan.pdf").read_bytes() == b"%PDF-1.4 scan"

    def counts(db):
        with psycopg.connect(dbname=db, **server()) as conn:
            return [conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                    for table in ["jiedao_auditentry", "jiedao_auditlink", "residents_subdistrict",
                                  "django_migrations"]]

    assert counts(restored) == counts(name)
    # The restored database is the runtime role's to use, with the same limits.
    manage("audit_verify", name=restored, owner=False, tmp=tmp)
    s = server()
    with psycopg.connect(dbname=restored, host=s["host"], port=s["port"], user=ROLE, password=PASSWORD,
                         autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("DELETE FROM jiedao_auditentry")
    # Into a database that is not empty, nothing is restored.
    done = manage("restore", str(backup), name=restored, tmp=tmp, check=False)
    assert done.returncode != 0 and "目标数据库不是空的" in done.stderr
