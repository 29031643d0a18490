"""What the benchmarks share: Django against DATABASE_URL or the script's own SQLite file, the demo seed,
a timing helper (a callable run N times after warm-ups: p50 / p95 in ms, nearest rank) and the result table.

Nothing here imports Django at import time: a script imports this module, calls setup_django() and only
then imports the project's models.
"""

import argparse
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def add_database_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--allow-any-database", action="store_true",
                        help="run even if the database name does not contain 'bench' (it resets demo passwords "
                             "and writes audit entries)")
    return parser


def setup_django(sqlite_file: str, *, allow_any_database: bool = False) -> str:
    """Set up Django for a benchmark and return the database URL.

    DATABASE_URL if set (a PostgreSQL database whose name contains "bench" is created if missing), else
    benchmarks/<sqlite_file>, never the project's own db.sqlite3. DEBUG=1 by default (Django's query log,
    the development secret key) and "testserver" allowed, for django.test.Client.
    """
    os.environ["DJANGO_SETTINGS_MODULE"] = "jiedao.settings"
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-insecure-key")
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
    if "testserver" not in hosts:
        hosts.append("testserver")
    os.environ["ALLOWED_HOSTS"] = ",".join(hosts)
    own_file = HERE / sqlite_file
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{own_file}"
    os.environ["DATABASE_URL"] = url
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))

    import dj_database_url

    db = dj_database_url.parse(url)
    name = str(db.get("NAME") or "")
    if db["ENGINE"].endswith("sqlite3"):
        if name in ("", ":memory:"):
            sys.exit("A file SQLite database is needed (the seed must survive between runs).")
        path = Path(name).resolve()
        if path == (ROOT / "db.sqlite3").resolve():
            sys.exit(f"Refusing to benchmark the project's own database {path}; "
                     f"leave DATABASE_URL unset to use {own_file}.")
    elif "postgresql" in db["ENGINE"] or "postgis" in db["ENGINE"]:
        if "bench" not in name and not allow_any_database:
            sys.exit(f"Database {name!r} does not look like a benchmark database (no 'bench' in its name); "
                     "the benchmark resets demo passwords and writes audit entries. "
                     "Use e.g. .../jiedao_bench, or pass --allow-any-database.")
        create_postgres_database(db)
    else:
        sys.exit(f"Unsupported database engine {db['ENGINE']}")

    import django

    django.setup()
    return url


def create_postgres_database(db: dict) -> None:
    import psycopg
    from psycopg import sql

    params = {"dbname": "postgres", "user": db.get("USER") or None, "password": db.get("PASSWORD") or None,
              "host": db.get("HOST") or None, "port": db.get("PORT") or None}
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
            print(f"Created PostgreSQL database {db['NAME']}.")


def database_label() -> str:
    from django.db import connection

    return f"{connection.vendor} {connection.settings_dict['NAME']}"


def migrate() -> float:
    """Migrate the benchmark database; the seconds it took."""
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    return time.perf_counter() - started


def seed_residents(residents: int):
    """The demo sub-district (created once, reused later; seed 1) and its demo accounts with the demo
    password. Returns residents.demo's SeedResult."""
    from residents import demo

    result = demo.seed(residents=residents, seed=1)
    demo.ensure_accounts(result.subdistrict, demo.PASSWORD_DEFAULT)
    return result


def analyze() -> float | None:
    """VACUUM ANALYZE on PostgreSQL after a bulk load, as autovacuum would do shortly (else the first plans
    are guesses, and with no visibility map an index-only count reads every heap page: a community's count of
    20,000 residents 22 ms instead of 3); the seconds it took, or None on other databases. Autovacuum is off
    on the benchmark machines; since PostgreSQL 13 it vacuums a table after inserts as well."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def percentile(values: Iterable[float], p: float) -> float:
    """Nearest-rank percentile (p in 0–100)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Timing:
    """The wall times of the timed calls, in milliseconds, in the order they ran; what the last returned."""

    times: list[float] = field(default_factory=list)
    result: Any = None

    @property
    def p50(self) -> float:
        return percentile(self.times, 50)

    @property
    def p95(self) -> float:
        return percentile(self.times, 95)

    @property
    def first(self) -> float:
        return self.times[0]

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def worst(self) -> float:
        return max(self.times)


def timed(call: Callable[[], Any], runs: int, *, warmup: int = 1) -> Timing:
    """Call `call` `warmup` times untimed, then `runs` times, each timed on its own."""
    for _ in range(warmup):
        call()
    timing = Timing()
    for _ in range(runs):
        started = time.perf_counter()
        timing.result = call()
        timing.times.append((time.perf_counter() - started) * 1000)
    return timing


def once(call: Callable[[], Any]) -> tuple[float, Any]:
    """One call: its wall time in seconds, and what it returned."""
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, align: str = "") -> None:
    """A Markdown table; `align` has one letter per column, "l" (the default) or "r"."""
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---:" if align[i:i + 1] == "r" else "---" for i in range(len(headers))) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")


def signed_in_session(user) -> str:
    """A session of `user` as the sign-in leaves it: password and second factor passed (django-otp names the
    device that verified it), both clocks started. Returns its key, for a cookie (the load benchmark's
    clients) or a test Client (client_for). The account gets a confirmed authenticator if it has none."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jiedao import otp, sessions

    device = (TOTPDevice.objects.filter(user=user, confirmed=True).first()
              or otp.demo_device(user, otp.DEMO_TOTP_SECRET))
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "jiedao.authentication.AccountBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    sessions.start_clock(session)
    session.create()
    return session.session_key


def client_for(user):
    """A django.test.Client signed in as `user`, second factor included (force_login alone stops at the
    second factor: every page would answer 302)."""
    from django.conf import settings
    from django.test import Client

    from jiedao.warmup import before_first_request

    before_first_request()  # as jiedao/wsgi.py does in every web process
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = signed_in_session(user)
    return client
