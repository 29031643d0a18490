"""On several hosts the files live in one S3 bucket (MinIO, a cloud's OSS), chosen by environment alone
(STORAGE_S3_BUCKET, jiedao.settings.s3_storages): 王丽 uploads a scan that another host hands back, a worker
builds an export the web serves, a ledger is read from the bucket, the audit archive is written and read
there, and a backup taken from one bucket restores into another. Nothing lands on this host's disk, and
what the bucket holds of a person's files is ciphertext.

The S3 peer is moto's server on 127.0.0.1 (a real S3 protocol endpoint, no internet); the same paths on the
file system are the rest of the suite's tests."""

import io
import os
import socket
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiedao import settings as project_settings
from jiedao.crypto import FILE_MAGIC
from jiedao.models import ExportJob, ImportRun
from tests.factories import ResidentFactory
from tests.residents.import_books import book, story_rows, upload
from tests.scans import pdf

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
KEY = "a-backup-key-of-at-least-32-characters!"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def endpoint():
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


ENV = {"AWS_ACCESS_KEY_ID": "jiedao-test", "AWS_SECRET_ACCESS_KEY": "jiedao-test-secret",
       "AWS_S3_REGION_NAME": "us-east-1"}


def _bucket(endpoint) -> tuple[str, object]:
    name = f"jiedao-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ENV["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=ENV["AWS_SECRET_ACCESS_KEY"], region_name=ENV["AWS_S3_REGION_NAME"])
    client.create_bucket(Bucket=name)
    return name, client


class Bucket:
    def __init__(self, name, client):
        self.name, self.client = name, client

    def keys(self, prefix="") -> list[str]:
        found = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix).get("Contents", [])
        return sorted(item["Key"] for item in found)

    def raw(self, key) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture
def bucket(endpoint, settings, monkeypatch, tmp_path):
    """STORAGES as a deployment with STORAGE_S3_BUCKET gets them; the host's own directories point at nothing."""
    for variable, value in {**ENV, "AWS_S3_ENDPOINT_URL": endpoint}.items():
        monkeypatch.setenv(variable, value)
    name, client = _bucket(endpoint)
    settings.STORAGES = {**settings.STORAGES, **project_settings.s3_storages(name)}
    settings.MEDIA_ROOT = settings.AUDIT_ARCHIVE_DIR = settings.BACKUP_DIR = tmp_path / "not-used"
    settings.CELERY_TASK_ALWAYS_EAGER = True  # no worker runs here: tasks run inside the request
    yield Bucket(name, client)
    assert not (tmp_path / "not-used").exists()  # nothing was written to this host's disk


def test_a_case_scan_is_sealed_in_the_bucket_and_handed_back_from_it(web, api, staff_east, staff_west, li, bucket):
    case = api.as_(staff_east).post("/api/v1/cases/", {
        "resident": li.pk, "kind": "dibao", "reason": "丈夫去世，无固定收入", "household_size": 2,
        "monthly_income": "900.00", "requested_amount": "1200.00"}, format="json").json()
    scan = pdf()
    client = web.as_(staff_east)
    client.post(reverse("assistance:document_upload", args=[case["id"]]),
                {"doc_type": "income", "file": _file("收入证明.pdf", scan)})
    (key,) = bucket.keys("media/cases/")
    stored = bucket.raw(key)
    assert stored.startswith(FILE_MAGIC) and b"%PDF" not in stored  # the bucket's operator sees ciphertext
    from assistance.models import CaseDocument

    document = CaseDocument.objects.get()
    response = client.get(reverse("assistance:document", args=[document.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == scan
    assert web.as_(staff_west).get(reverse("assistance:document", args=[document.pk])).status_code == 404


def test_two_scans_of_one_name_are_two_objects(web, api, staff_east, li, bucket):
    case = api.as_(staff_east).post("/api/v1/cases/", {
        "resident": li.pk, "kind": "dibao", "reason": "无固定收入", "household_size": 1,
        "monthly_income": "900.00", "requested_amount": "1200.00"}, format="json").json()
    client = web.as_(staff_east)
    for _ in range(2):
        client.post(reverse("assistance:document_upload", args=[case["id"]]),
                    {"doc_type": "income", "file": _file("scan.pdf", pdf())})
    assert len(bucket.keys("media/cases/")) == 2


def test_an_export_built_by_a_worker_is_served_from_the_bucket(web, staff_east, east1, settings, bucket,
                                                              django_capture_on_commit_callbacks):
    settings.EXPORT_ASYNC_THRESHOLD = 1
    for name in ["张春露", "李秀英"]:
        ResidentFactory(name=name, grid=east1)
    with django_capture_on_commit_callbacks(execute=True):
        answer = web.as_(staff_east).get(reverse("residents:resident_list") + "?status=all&format=xlsx")
    job = ExportJob.objects.get()
    assert answer.status_code == 302 and job.state == "done"
    assert bucket.keys("media/exports/") == [f"media/{job.file.name}"]
    assert bucket.raw(f"media/{job.file.name}").startswith(FILE_MAGIC)
    download = web.get(reverse("export_job_download", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == ["张春露", "李秀英"]
    # The nightly purge deletes the object with its job.
    from jiedao.exports import export_jobs_purge

    export_jobs_purge(now=timezone.now() + timezone.timedelta(days=settings.EXPORT_KEEP_DAYS + 1))
    assert bucket.keys("media/exports/") == []


def test_a_ledger_kept_in_the_bucket_is_read_and_imported(web, staff_east, east, east1, zhang, wang, bucket):
    from residents.models import Resident

    client = web.as_(staff_east)
    answer = client.post("/residents/imports/new/", {"file": upload(book(story_rows(zhang=zhang, wang=wang))),
                                                     "community": east.pk, "grid": east1.pk})
    run = ImportRun.objects.get()
    assert answer.status_code == 302 and run.status == "preview", run.error
    assert bucket.keys("media/imports/") == [f"media/{run.file.name}"]
    assert bucket.raw(f"media/{run.file.name}").startswith(FILE_MAGIC)
    assert client.get(f"/residents/imports/{run.pk}/rejected/download/").status_code == 200
    client.post(f"/residents/imports/{run.pk}/commit/")
    assert Resident.objects.filter(name="孙大爷").exists()


def test_the_audit_archive_is_written_to_the_bucket_and_checked_from_it_before_a_prune(staff_east, zhang, bucket):
    from unittest import mock

    from jiedao import audit
    from jiedao.auditarchive import audit_archive, audit_prune, parse_month
    from jiedao.auditchain import chain_verify, link_pending
    from jiedao.models import AuditEntry

    for moment in ["2026-05-03T10:00", "2026-11-20T09:00"]:
        with mock.patch("django.utils.timezone.now",
                        return_value=timezone.make_aware(datetime.fromisoformat(moment))):
            audit.record(actor=staff_east, action="view_full", target=zhang)
    link_pending()
    now = timezone.make_aware(datetime(2026, 12, 1, 9, 0))
    done = audit_archive(month=parse_month("2026-05"), now=now)
    assert done.archive.path == f"s3://{bucket.name}/audit-archive/audit-2026-05.jsonl"
    assert bucket.keys("audit-archive/") == ["audit-archive/audit-2026-05.jsonl",
                                             "audit-archive/audit-2026-05.jsonl.sha256"]
    assert b'"view_full"' in bucket.raw("audit-archive/audit-2026-05.jsonl")  # plain JSON lines, as on disk
    assert not audit_archive(month=parse_month("2026-05"), now=now).changed
    if connection.vendor == "sqlite":  # on PostgreSQL only the owner prunes (test_audit_archive.py)
        assert audit_prune(now=now).entries == 1
        assert AuditEntry.objects.count() == 1 and chain_verify().ok


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite round trip; PostgreSQL's needs the owner "
                                                          "role (test_database_roles.py), on the file system")
def test_a_backup_taken_from_one_bucket_restores_into_another(endpoint, tmp_path):
    first, client = _bucket(endpoint)
    second, _ = _bucket(endpoint)

    def manage(*args, db, bucket):
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_OWNER_URL", "PYTEST_CURRENT_TEST"}}
        env.update(ENV, AWS_S3_ENDPOINT_URL=endpoint, DATABASE_URL=f"sqlite:///{tmp_path / db}", BACKUP_KEY=KEY,
                   STORAGE_S3_BUCKET=bucket, STORAGE_S3_BACKUP_BUCKET=first,
                   MEDIA_ROOT=str(tmp_path / "no-media"), AUDIT_ARCHIVE_DIR=str(tmp_path / "no-archive"))
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    manage("migrate", "-v0", db="a.sqlite3", bucket=first)
    manage("shell", "-c", "from django.core.files.base import ContentFile\n"
                          "from django.core.files.storage import default_storage\n"
                          "from jiedao import audit\n"
                          "default_storage.save('cases/2026/11/scan.pdf', ContentFile(b'%PDF-1.7 a scan'))\n"
                          "audit.record(actor=None, action='login_failed', username='someone')",
           db="a.sqlite3", bucket=first)
    out = manage("backup", db="a.sqlite3", bucket=first)
    (backup,) = Bucket(first, client).keys("backups/")
    assert "已备份到" in out and Bucket(first, client).raw(backup).startswith(b"JIEDAO-BACKUP-1")
    out = manage("restore", backup.removeprefix("backups/"), db="b.sqlite3", bucket=second)
    assert "各表行数一致" in out and "审计链完整（1 条）" in out
    restored = Bucket(second, client).raw("media/cases/2026/11/scan.pdf")
    assert restored == Bucket(first, client).raw("media/cases/2026/11/scan.pdf")  # still sealed, byte for byte
    assert restored.startswith(FILE_MAGIC)
    opened = manage("shell", "-c", "from django.core.files.storage import default_storage\n"
                                   "print(default_storage.open('cases/2026/11/scan.pdf').read().decode())",
                    db="b.sqlite3", bucket=second)
    assert opened.strip().splitlines()[-1] == "%PDF-1.7 a scan"  # after the shell's own line of imports
    assert not (tmp_path / "no-media").exists() and not (tmp_path / "no-archive").exists()


def _file(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
