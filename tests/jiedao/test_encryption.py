"""Encryption at rest (等保 数据保密性): whoever takes the database or the media folder without the key reads no
ID number, no phone and no file; the portal itself finds, dedupes, prices and exports as before.

王丽 registers 张春露 and 李秀英, a guest eats at the canteen, 赵管理's phone is on his account, a scan is
attached to a case, a list is exported and a month's pack is built. Then the raw rows, the SQLite file and its
-wal, and the stored files are read byte by byte.
"""

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import FieldError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from jiedao import crypto
from residents import id_numbers
from residents.models import Resident
from residents.services import resident_create
from tests.factories import ServicePointFactory
from tests.migrations import upgrading_from

ROOT = Path(__file__).resolve().parents[2]
ZHANG = id_numbers.make("110105", date(1941, 5, 2), 102, female=True)
LI = id_numbers.make("110105", date(1958, 8, 9), 204, female=True)
GUEST = id_numbers.make("320102", date(1950, 5, 5), 306, female=False)
ZHANG_PHONE, LI_PHONE, STAFF_PHONE, POINT_PHONE = "13912345678", "010-64218899", "13800138000", "13611112222"
SECRETS = [ZHANG, LI, GUEST, ZHANG_PHONE, LI_PHONE, STAFF_PHONE, POINT_PHONE]
OTHER_KEY = "a-second-field-encryption-key-for-the-rotation-test"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_ASYNC_THRESHOLD = 0  # every page export a stored job
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return settings.MEDIA_ROOT


@pytest.fixture
def registered(db, staff_east, east1, east2):
    zhang = resident_create(actor=staff_east, data={"name": "张春露", "id_number": ZHANG.lower(), "phone": ZHANG_PHONE,
                                                    "grid": east1})
    li = resident_create(actor=staff_east, data={"name": "李秀英", "id_number": LI, "phone": LI_PHONE, "grid": east2})
    return zhang, li


@pytest.fixture
def day_of_work(registered, heping, east, staff_east):
    from tests.elderly_care.factories import MealFactory

    staff_east.phone = STAFF_PHONE
    staff_east.save(update_fields=["phone"])
    point = ServicePointFactory(subdistrict=heping, community=east, contact_phone=POINT_PHONE)
    MealFactory(point=point, guest=True, guest_id_number=GUEST)
    return registered


def _all_rows_as_text() -> dict[str, str]:
    """Every table's every row, as the database hands it to anyone who can run SQL."""
    tables = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (our own table names)
            tables[table] = repr([[bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else v
                                   for v in row] for row in cursor.fetchall()])
    return tables


def test_no_table_holds_an_id_number_or_a_phone_in_plain_text(day_of_work):
    tables = _all_rows_as_text()
    assert "张春露" in tables["residents_resident"]  # the scan reads the rows: names are there, in clear
    leaks = {(table, secret) for table, text in tables.items() for secret in SECRETS if secret in text}
    assert leaks == set()
    columns = {c.name for c in connection.introspection.get_table_description(connection.cursor(),
                                                                              "residents_resident")}
    assert "id_last4" not in columns  # beside birth date and sex the clear last four gave the number back
    assert ZHANG[-4:] not in tables["residents_resident"].replace(ZHANG_PHONE, "")


def test_the_portal_still_reads_finds_and_dedupes_the_numbers(day_of_work, staff_east, east1, web):
    zhang, li = day_of_work
    stored = Resident.objects.get(pk=zhang.pk)
    assert (stored.id_number, stored.phone) == (ZHANG, ZHANG_PHONE)  # typed with a lower-case x, stored as X
    api = web.as_(staff_east)
    for term, found in [(ZHANG, [zhang.pk]), (ZHANG[-4:], [zhang.pk]), (LI_PHONE[-4:], [li.pk]),
                        ("13912345678", [zhang.pk]), (ZHANG[:10], [])]:
        rows = api.get("/api/v1/residents/", {"search": term}).json()["results"]
        assert [r["id"] for r in rows] == found, term
    refused = api.post("/api/v1/residents/", {"name": "重复", "id_number": ZHANG, "grid": east1.pk},
                       content_type="application/json")
    assert refused.status_code == 400 and "张春露" in refused.json()["id_number"][0]
    with pytest.raises(FieldError, match="keyed index"):
        list(Resident.objects.filter(id_number=ZHANG))  # the column itself cannot be compared
    with pytest.raises(FieldError):
        list(Resident.objects.filter(phone__endswith="5678"))


def test_a_value_altered_or_moved_to_another_column_does_not_decrypt(registered):
    zhang, li = registered
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM residents_resident WHERE id = %s", [zhang.pk])
        phone = cursor.fetchone()[0]
        cursor.execute("UPDATE residents_resident SET id_number = %s WHERE id = %s", [phone, li.pk])
    with pytest.raises(crypto.DecryptionError):
        Resident.objects.get(pk=li.pk)  # the associated data names the column
    raw = bytearray(base64.b64decode(phone))
    raw[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(base64.b64encode(bytes(raw)).decode(), aad="residents_resident.phone")


def test_the_indexes_are_keyed(registered):
    zhang, _ = registered
    stored = Resident.objects.values("id_number_index", "id_last4_index").get(pk=zhang.pk)
    # Not a plain hash a dump could be searched with: HMAC under a key derived from FIELD_ENCRYPTION_KEY.
    assert stored["id_number_index"] != hashlib.sha256(ZHANG.encode()).hexdigest()
    other = crypto._key(OTHER_KEY)
    assert stored["id_number_index"] != crypto.blind_index("id_number", ZHANG, other)
    assert stored["id_last4_index"] != crypto.last4_index("id_number", ZHANG, other)
    key = crypto.current_key()
    assert len({key.encryption, key.blind_index, key.last4}) == 3  # a key for each use


@pytest.mark.parametrize("cipher", ["aes", "sm4"])
def test_a_bulk_loads_stream_forms_give_what_encrypt_and_the_indexes_give(settings, cipher):
    """jiedao.bulk writes a million values through crypto.encrypter and crypto.indexer (pads and key looked up
    once): the same indexes as blind_index and last4_index, values that decrypt, a fresh nonce for each."""
    settings.FIELD_CIPHER = cipher
    whole, last4 = crypto.indexer("id_number"), crypto.indexer("id_number", last4=True)
    seal = crypto.encrypter(aad="residents_resident.id_number")
    for value in [ZHANG, ZHANG_PHONE, "", "x", "一二三四五"]:
        assert whole(value) == crypto.blind_index("id_number", value)
        assert last4(value) == crypto.last4_index("id_number", value)
        assert crypto.decrypt(seal(value), aad="residents_resident.id_number") == value
    sealed = [seal(ZHANG) for _ in range(3000)]  # past one block of nonces read from the OS
    assert len({base64.b64decode(value)[5:17] for value in sealed}) == len(sealed)
    assert base64.b64decode(sealed[0])[0] == crypto.CIPHERS[cipher]


def _download(response) -> bytes:
    return b"".join(response.streaming_content)


def _scan_naming(number: str) -> bytes:
    """A real one-page PDF (uploads are parsed) that names the number in clear and spans several chunks."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Subject": f"ID {number} " + "x" * 200_000})
    out = io.BytesIO()
    writer.write(out)
    assert number.encode() in out.getvalue()
    return out.getvalue()


def test_scans_export_files_and_report_packs_are_sealed_at_rest(day_of_work, media, staff_east, admin, heping, web,
                                                                django_capture_on_commit_callbacks):
    from assistance.services import case_document_add
    from jiedao.models import ExportJob
    from reports.models import MonthlyReport
    from reports.services import report_build
    from tests.assistance.factories import CaseFactory

    zhang, _ = day_of_work
    scan = _scan_naming(ZHANG)
    case = CaseFactory(resident=zhang)
    document = case_document_add(actor=staff_east, case=case, upload=SimpleUploadedFile("证明.pdf", scan),
                                 doc_type="income")
    on_disk = Path(document.file.path).read_bytes()
    assert on_disk.startswith(crypto.FILE_MAGIC) and b"%PDF" not in on_disk and ZHANG.encode() not in on_disk
    shown = web.as_(staff_east).get(reverse("assistance:document", args=[document.pk]))
    assert _download(shown) == scan and int(shown["Content-Length"]) == len(scan)

    client = web.as_(staff_east)
    with django_capture_on_commit_callbacks(execute=True):  # the job runs when the request's transaction commits
        queued = client.get("/residents/?status=all&format=xlsx")
    job = ExportJob.objects.get(pk=queued["Location"].rstrip("/").rsplit("/", 1)[-1])
    sealed = Path(job.file.path).read_bytes()
    assert sealed.startswith(crypto.FILE_MAGIC) and b"PK\x03\x04" not in sealed and "张春露".encode() not in sealed
    sheet = load_workbook(io.BytesIO(_download(client.get(f"/exports/{job.pk}/download/")))).active
    assert "张春露" in [row[0] for row in sheet.iter_rows(values_only=True)]

    report = report_build(subdistrict=heping, month=date(2026, 10, 1), actor=admin)
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM jiedao_monthlyreport WHERE id = %s", [report.pk])
        stored = bytes(cursor.fetchone()[0])
    workbook = bytes(MonthlyReport.objects.get(pk=report.pk).content)
    assert not stored.startswith(b"PK") and workbook.startswith(b"PK")
    assert hashlib.sha256(workbook).hexdigest() == report.checksum and len(workbook) == report.size


def test_a_new_key_is_rolled_in_without_stopping_and_the_old_one_dropped(day_of_work, media, settings, staff_east,
                                                                         east1, web):
    zhang, li = day_of_work
    old = settings.FIELD_ENCRYPTION_KEY
    scan = Path(media) / "cases" / "old.pdf"
    scan.parent.mkdir(parents=True)
    scan.write_bytes(b"%PDF-1.4 stored before encryption")  # a file from before this change
    from assistance.models import CaseDocument
    from tests.assistance.factories import CaseFactory

    document = CaseDocument.objects.create(case=CaseFactory(resident=zhang), doc_type="income", file="cases/old.pdf",
                                           original_name="old.pdf", content_type="application/pdf", size=33,
                                           uploaded_by=staff_east)
    # 1. Every process restarted with the new key, the old one still read.
    settings.FIELD_ENCRYPTION_KEY, settings.FIELD_ENCRYPTION_OLD_KEYS = OTHER_KEY, [old]
    api = web.as_(staff_east)
    assert [r["id"] for r in api.get("/api/v1/residents/", {"search": ZHANG[-4:]}).json()["results"]] == [zhang.pk]
    wang = resident_create(actor=staff_east, data={"name": "王建国", "id_number": id_numbers.make(
        "110105", date(1985, 1, 20), 408, female=False), "phone": "13700001111", "grid": east1})
    refused = api.post("/api/v1/residents/", {"name": "重复", "id_number": ZHANG, "grid": east1.pk},
                       content_type="application/json")
    assert refused.status_code == 400  # the dedupe finds a number indexed under the old key
    out = io.StringIO()
    call_command("rotate_field_key", "--check", stdout=out)
    assert "residents.Resident: 待重新加密 2，已是当前密钥 1" in out.getvalue()
    # 2. The rotation, in batches of one to show it resumes where it is.
    call_command("rotate_field_key", "--batch", "1", stdout=io.StringIO())
    out = io.StringIO()
    call_command("rotate_field_key", "--check", stdout=out)
    assert "全部已使用当前密钥" in out.getvalue()
    assert Path(document.file.path).read_bytes().startswith(crypto.FILE_MAGIC)
    # 3. The old key removed: everything still reads and is found.
    settings.FIELD_ENCRYPTION_OLD_KEYS = []
    assert {(r.id_number, r.phone) for r in Resident.objects.filter(pk__in=[zhang.pk, li.pk])} == {
        (ZHANG, ZHANG_PHONE), (LI, LI_PHONE)}
    for term, found in [(ZHANG, zhang.pk), (LI_PHONE[-4:], li.pk), ("13700001111", wang.pk)]:
        assert [r["id"] for r in api.get("/api/v1/residents/", {"search": term}).json()["results"]] == [found]
    assert _download(api.get(reverse("assistance:document", args=[document.pk]))).startswith(b"%PDF-1.4")
    with pytest.raises(crypto.DecryptionError):
        settings.FIELD_ENCRYPTION_KEY = old  # a process on the old key alone can read nothing now
        Resident.objects.get(pk=zhang.pk)


def test_sm4_when_the_office_asks_for_it(settings, staff_east, east1):
    settings.FIELD_CIPHER = "sm4"
    zhang = resident_create(actor=staff_east, data={"name": "张春露", "id_number": ZHANG, "phone": ZHANG_PHONE,
                                                    "grid": east1})
    raw = Resident.objects.filter(pk=zhang.pk).values_list(crypto._raw(Resident._meta.get_field("id_number")),
                                                           flat=True).get()
    assert base64.b64decode(raw)[0] == crypto.SM4_GCM
    assert Resident.objects.get(pk=zhang.pk).id_number == ZHANG
    settings.FIELD_CIPHER = "aes"  # and back: rotate_field_key moves the values to AES-256-GCM
    call_command("rotate_field_key", stdout=io.StringIO())
    raw = Resident.objects.filter(pk=zhang.pk).values_list(crypto._raw(Resident._meta.get_field("id_number")),
                                                           flat=True).get()
    assert base64.b64decode(raw)[0] == crypto.AES_GCM


SCRIPT = """
import json, os, django
django.setup()
from django.db import connection
from jiedao.models import Role
from residents.services import resident_create
from tests.factories import CommunityFactory, GridFactory, SubdistrictFactory, UserFactory
numbers = json.loads(os.environ["NUMBERS"])
street = SubdistrictFactory(name="和平里街道")
grid = GridFactory(community=CommunityFactory(subdistrict=street, name="东园社区"), name="东一网格")
staff = UserFactory(username="staff_east", role=Role.SUBDISTRICT_ADMIN, subdistrict=street, phone=numbers[2])
resident_create(actor=staff, data={"name": "张春露", "id_number": numbers[0], "phone": numbers[1], "grid": grid})
# Read while still connected: the pages just written are in the -wal, not yet checkpointed into the file.
found = {}
for path in [connection.settings_dict["NAME"] + suffix for suffix in ("", "-wal", "-shm")]:
    if os.path.exists(path):
        data = open(path, "rb").read()
        found[os.path.basename(path)] = {"size": len(data), "name": "张春露".encode() in data,
                                         "numbers": [n for n in numbers if n.encode() in data]}
print(json.dumps(found))
"""


def test_the_sqlite_file_and_its_wal_hold_no_number_in_plain_text(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'office.sqlite3'}", "DEBUG": "1",
           "NUMBERS": json.dumps([ZHANG, ZHANG_PHONE, STAFF_PHONE])}
    env.pop("REDIS_URL", None)
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stderr
    run = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["office.sqlite3-wal"]["size"] > 0 and found["office.sqlite3-wal"]["name"]  # the write is there
    assert {name: f["numbers"] for name, f in found.items()} == {name: [] for name in found}


BEFORE = [("residents", "0006_resident_version"), ("elderly_care", "0003_price_rule_percent_message"),
          ("jiedao", "0010_audit_search"), ("reports", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_the_rows_already_there_and_can_be_undone_with_the_key():
    with upgrading_from(BEFORE, others_as_now=False) as upgrade:
        old = upgrade.old
        street = old.get_model("residents", "Subdistrict").objects.create(name="和平里街道")
        east = old.get_model("residents", "Community").objects.create(subdistrict=street, name="东园社区")
        grid = old.get_model("residents", "Grid").objects.create(community=east, name="第1网格")
        old.get_model("residents", "Resident").objects.create(
            name="张春露", id_number=ZHANG, id_last4=ZHANG[-4:], phone=ZHANG_PHONE, birth_date="1941-05-02",
            gender="F", grid=grid, community=east)
        old.get_model("jiedao", "User").objects.create(username="staff_east", phone=STAFF_PHONE)

        upgrade.to_latest()
        tables = _all_rows_as_text()
        assert not [s for s in (ZHANG, ZHANG_PHONE, STAFF_PHONE) if s in repr(tables)]
        zhang = Resident.objects.get()
        assert (zhang.id_number, zhang.phone) == (ZHANG, ZHANG_PHONE)
        assert list(Resident.objects.filter(crypto.matches_last4(Resident, "id_number", ZHANG[-4:]))) == [zhang]

        upgrade.back()  # back: the clear values and the last four return
        with connection.cursor() as cursor:
            cursor.execute("SELECT id_number, id_last4, phone FROM residents_resident")
            assert cursor.fetchall() == [(ZHANG, ZHANG[-4:], ZHANG_PHONE)]


@pytest.mark.parametrize("size", [0, 1, crypto.CHUNK, crypto.CHUNK + 1, 3 * crypto.CHUNK - 7])
def test_a_sealed_file_reads_back_whole_and_refuses_a_cut_or_a_reordering(size):
    data = os.urandom(size)
    sealed = io.BytesIO()
    crypto.encrypt_stream(io.BytesIO(data), sealed)
    sealed = sealed.getvalue()
    assert crypto.plain_size(len(sealed)) == size

    def read(raw: bytes, at: int = 0) -> bytes:
        reader = io.BufferedReader(crypto.DecryptingReader(io.BytesIO(raw)))
        reader.seek(at)
        return reader.read()

    assert read(sealed) == data and read(sealed, size // 2) == data[size // 2:]
    body = crypto.CHUNK + crypto.TAG
    tampered = [sealed[:-1], sealed[:crypto.HEADER + body]] if size > crypto.CHUNK else [sealed[:-1]]
    if size > 2 * crypto.CHUNK:  # the first two chunks swapped
        start = crypto.HEADER
        tampered.append(sealed[:start] + sealed[start + body:start + 2 * body] + sealed[start:start + body]
                        + sealed[start + 2 * body:])
    for raw in tampered:
        with pytest.raises(crypto.DecryptionError):
            read(raw)
