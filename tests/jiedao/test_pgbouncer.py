"""PostgreSQL through PgBouncer in transaction mode (DATABASE_PGBOUNCER=1): 王丽 signs in, reads her list,
opens a case and exports her residents, each request's statements through a pool that hands every transaction
whichever server connection is free. The pool here is made strict: it runs DISCARD ALL after every transaction
(server_reset_query_always), so anything that leans on a session (a prepared statement, a cursor held past its
transaction, a SET) fails at once instead of once in a while under load. Without the settings
DATABASE_PGBOUNCER brings, the same pool breaks: the last test shows it.

Needs Debian's pgbouncer (`make browser-deps` installs it with Chromium) and a PostgreSQL test run; skipped
with the reason otherwise."""

import io
import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager

import psycopg
import pytest
from django.db import DatabaseError, connection, connections
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from jiedao.settings import _configure_database
from residents.models import Resident
from tests.conftest import PASSWORD
from tests.otp import code

PGBOUNCER = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")
pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PgBouncer pools PostgreSQL connections"),
    pytest.mark.skipif(not PGBOUNCER, reason="Debian's pgbouncer is not installed (apt-get install pgbouncer)"),
    pytest.mark.django_db(transaction=True),  # real commits: a test transaction would pin one server connection
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    db = connections["default"].settings_dict
    folder = tmp_path_factory.mktemp("pgbouncer")
    folder.chmod(0o755)
    port = _free_port()
    (folder / "users.txt").write_text(f'"{db["USER"]}" "{db.get("PASSWORD") or ""}"\n')
    (folder / "pgbouncer.ini").write_text(f"""
[databases]
* = host={db.get("HOST") or "127.0.0.1"} port={db.get("PORT") or 5432}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "users.txt"}
pool_mode = transaction
default_pool_size = 3
server_reset_query = DISCARD ALL
server_reset_query_always = 1
""")
    for name in ["users.txt", "pgbouncer.ini"]:
        (folder / name).chmod(0o644)
    command = [PGBOUNCER, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "nobody"]  # it will not run as root
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"pgbouncer did not start: {process.stdout.read()}")
            time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(timeout=10)


@contextmanager
def through(port: int, *, pooled: bool = True, **options):
    """The default connection, for the block, to PgBouncer, configured as settings configure it."""
    default = connections["default"]
    default.close()
    saved = default.settings_dict
    routed = {**saved, "HOST": "127.0.0.1", "PORT": port, "OPTIONS": dict(saved.get("OPTIONS", {})),
              "DISABLE_SERVER_SIDE_CURSORS": False}
    routed["OPTIONS"].pop("options", None)  # no connection options: PgBouncer refuses them
    routed["OPTIONS"].update(options)
    _configure_database(routed, pooled=pooled)
    default.settings_dict = routed
    try:
        yield
    finally:
        default.close()
        default.settings_dict = saved


def test_the_pool_is_strict(pool):
    """A SET does not survive its transaction here: what would pass on a lenient pool by luck fails."""
    db = connections["default"].settings_dict
    with psycopg.connect(host="127.0.0.1", port=pool, user=db["USER"], password=db.get("PASSWORD") or None,
                         dbname=db["NAME"], autocommit=True, prepare_threshold=None) as conn:
        conn.execute("SET statement_timeout = '12345ms'")
        assert conn.execute("SHOW statement_timeout").fetchone()[0] != "12345ms"
        # jit is off and pages cost SSD's on the database itself (migrations jiedao 0022, 0024), not per connection.
        assert conn.execute("SHOW jit").fetchone()[0] == "off"
        assert conn.execute("SHOW random_page_cost").fetchone()[0] == "1.1"


def test_wang_li_signs_in_reads_her_list_opens_a_case_and_exports_through_the_pool(
        pool, web, staff_east, li, zhang, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EXPORT_ASYNC_THRESHOLD = 5000  # written in the request, through the iterator
    with through(pool):
        # A login: name, password and the code, as her script does.
        signed_in = APIClient().post("/api/v1/auth/token/", {"username": "staff_east", "password": PASSWORD,
                                                              "otp": code()}, format="json")
        assert signed_in.status_code == 200, signed_in.json()
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {signed_in.json()['token']}")
        # A list, read more often than psycopg's prepare threshold (5).
        for _ in range(7):
            listed = api.get("/api/v1/residents/")
            assert listed.status_code == 200 and {r["name"] for r in listed.json()["results"]} == {"张春露", "李秀英"}
        # A save.
        opened = api.post("/api/v1/cases/", {
            "resident": li.pk, "kind": "dibao", "reason": "丈夫去世，无固定收入", "household_size": 2,
            "monthly_income": "900.00", "requested_amount": "1200.00"}, format="json")
        assert opened.status_code == 201, opened.json()
        # An export, its rows read through the iterator.
        exported = web.as_(staff_east).get(reverse("residents:resident_list") + "?status=all&format=xlsx")
        assert exported.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(exported.streaming_content))).active
        assert sorted(r[0] for r in sheet.iter_rows(min_row=2, values_only=True)) == ["张春露", "李秀英"]
        assert connections["default"].connection.prepare_threshold is None
    from assistance.models import Case

    assert Case.objects.filter(resident=li).count() == 1  # committed, seen from the direct connection


def test_without_the_pgbouncer_settings_an_export_breaks_on_the_pool(pool, zhang, li):
    """The control: a connection configured for PostgreSQL directly fails behind this pool as soon as it reads
    through iterator() (every export does): its server-side cursor, declared WITH HOLD outside a transaction,
    is gone by the next fetch. With the settings the same read passes, and so do repeated reads with
    server-side binding on (a deployment that turns it on: prepare_threshold is None under DATABASE_PGBOUNCER)."""
    with through(pool, pooled=False):
        with pytest.raises(DatabaseError, match="portal|cursor"):
            list(Resident.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=1))
    for options in [{}, {"server_side_binding": True}]:
        with through(pool, **options):
            assert len(list(Resident.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=1))) == 2
            for _ in range(10):
                assert list(Resident.objects.filter(pk=zhang.pk)) == [zhang]
