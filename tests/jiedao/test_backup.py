"""Backups are encrypted with AES-256-GCM under a key derived from BACKUP_KEY: without the key, or with one
byte changed, nothing is restored. (The round trip on PostgreSQL is in test_database_roles.py.)"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from jiedao.backup import MAGIC, BackupError, decrypt_file, encrypt_file

ROOT = Path(__file__).resolve().parents[2]
KEY = "a-backup-key-of-at-least-32-characters!"


@pytest.fixture
def plain(tmp_path, settings):
    settings.BACKUP_KEY = KEY
    path = tmp_path / "plain.bin"
    path.write_bytes(os.urandom(3 * (1 << 20) + 17))  # more than one chunk, not a whole number of them
    return path


def test_a_backup_decrypts_to_what_was_encrypted(plain, tmp_path):
    encrypt_file(plain, tmp_path / "sealed")
    sealed = (tmp_path / "sealed").read_bytes()
    assert sealed.startswith(MAGIC) and plain.read_bytes()[:64] not in sealed
    decrypt_file(tmp_path / "sealed", tmp_path / "opened")
    assert (tmp_path / "opened").read_bytes() == plain.read_bytes()


@pytest.mark.parametrize("where", [len(MAGIC) + 3, 1000, -5])  # the salt, the data, the tag
def test_one_changed_byte_restores_nothing(plain, tmp_path, where):
    encrypt_file(plain, tmp_path / "sealed")
    data = bytearray((tmp_path / "sealed").read_bytes())
    data[where] ^= 1
    (tmp_path / "sealed").write_bytes(bytes(data))
    with pytest.raises(BackupError, match="文件已损坏或被改动"):
        decrypt_file(tmp_path / "sealed", tmp_path / "opened")
    assert not (tmp_path / "opened").exists()


def test_another_key_restores_nothing(plain, tmp_path, settings):
    encrypt_file(plain, tmp_path / "sealed")
    settings.BACKUP_KEY = KEY.upper()
    with pytest.raises(BackupError, match="BACKUP_KEY 不对"):
        decrypt_file(tmp_path / "sealed", tmp_path / "opened")


@pytest.mark.django_db
def test_without_a_long_enough_key_no_backup_is_written(settings, tmp_path):
    settings.BACKUP_KEY = "short"
    with pytest.raises(CommandError, match="至少 32 个字符"):
        call_command("backup", "--output", str(tmp_path))
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite round trip (PostgreSQL's is in "
                                                          "test_database_roles.py)")
def test_on_sqlite_a_backup_restored_into_an_empty_database_gives_the_same_counts(tmp_path):
    def manage(*args, db):
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_OWNER_URL", "PYTEST_CURRENT_TEST"}}
        env.update(DATABASE_URL=f"sqlite:///{tmp_path / db}", BACKUP_KEY=KEY, MEDIA_ROOT=str(tmp_path / "media"),
                   AUDIT_ARCHIVE_DIR=str(tmp_path / "archive"))
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    manage("migrate", "-v0", db="a.sqlite3")
    manage("shell", "-c", "from jiedao import audit\nfor i in range(3): audit.record(actor=None, "
                          "action='login_failed', username=f'user{i}')", db="a.sqlite3")
    manage("backup", "--output", str(tmp_path / "backups"), db="a.sqlite3")
    (backup,) = (tmp_path / "backups").iterdir()
    out = manage("restore", str(backup), db="b.sqlite3")
    assert "各表行数一致" in out and "审计链完整（3 条）" in out


def test_the_deployment_keeps_the_owners_url_from_the_web_and_the_workers_and_backs_up_every_night():
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in ["web", "web-counter", "worker", "beat"]:
        assert services[name]["environment"]["DATABASE_OWNER_URL"] == "", name
    assert "environment" not in services["migrate"] and "migrate" in services["migrate"]["command"]
    assert "python manage.py backup" in services["backup"]["command"]
    assert "02:30" in services["backup"]["command"]
    example = (ROOT / ".env.example").read_text()
    for variable in ["DATABASE_OWNER_URL", "AUDIT_HASH", "AUDIT_KEEP_DAYS", "AUDIT_ARCHIVE_DIR", "BACKUP_KEY",
                     "BACKUP_DIR", "MEDIA_ROOT"]:
        assert f"\n{variable}=" in example, variable
