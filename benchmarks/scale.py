#!/usr/bin/env python
"""Does a list cost more as the table grows? Every resident list, filter, search and detail, page and API, at
10,000 / 100,000 / 1,000,000 residents in ten sub-districts on PostgreSQL, each beside the raw SQL of the
same work, p95 side by side.

    .venv/bin/python benchmarks/scale.py                                  # all three sizes
    .venv/bin/python benchmarks/scale.py --sizes 10000,100000 --runs 20

Each size has a database of its own, DATABASE_URL with the size appended to its name (default
postgres://postgres@127.0.0.1:5432/jiedao_lists_bench → jiedao_lists_bench_1000000), built once and reused:
the demo sub-district seeded by residents.demo (2,000 real residents, encrypted numbers, tags, households,
accounts), nine more sub-districts, 20 communities of 4 grids each in every one (200 communities), then the
rest of the residents generated in SQL (INSERT … SELECT generate_series) as copies of the seeded ones spread
over all 800 grids, with their tags, and VACUUM ANALYZE (as autovacuum would do after such a load).

Each case runs in a child process per size (one Django per database): a request through django.test.Client
as "admin" (a sub-district, a tenth of the rows), "staff1" (one community, 1/200) and "district" (all);
then every SELECT that request ran, run again on a bare cursor ("raw": the database's share of the
same work, with no Django around it). Printed: p95 of each, the ratio, and whether it meets the target
(within 3× raw, or raw + 10 ms when raw is about a millisecond, and under 150 ms).
"""

import argparse
import json
import os
import subprocess
import sys
import time

import common

TEMPLATE_RESIDENTS = 2_000
SUBDISTRICTS = 10
COMMUNITIES_PER = 20
GRIDS_PER = 4
TARGET_P95_MS = 150.0
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jiedao_lists_bench"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="residents per database (comma list)")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per case (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (default 3)")
    parser.add_argument("--users", default="admin,staff1,district")
    parser.add_argument("--only", default="", help="cases whose name contains this (comma list)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the child: one size, JSON on stdout
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.one:
        return child(args)
    base = os.environ.get("DATABASE_URL") or DEFAULT_URL
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = {}
    for size in sizes:
        env = {**os.environ, "DATABASE_URL": f"{base}_{size}"}
        cmd = [sys.executable, __file__, "--one", str(size), "--runs", str(args.runs), "--warmup",
               str(args.warmup), "--users", args.users, "--only", args.only]
        print(f"== {size} residents ({env['DATABASE_URL'].rsplit('/', 1)[-1]})", flush=True)
        done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, check=False)
        if done.returncode:
            print(f"size {size} failed ({done.returncode})", file=sys.stderr)
            return done.returncode
        results[size] = json.loads(done.stdout.strip().splitlines()[-1])
    print_side_by_side(sizes, results, args.runs)
    return 0


def print_side_by_side(sizes, results, runs) -> None:
    labels = list(dict.fromkeys(label for size in sizes for label in results[size]))
    print()
    print(f"p95 in ms over {runs} runs; raw = the same statements on a bare cursor; x = ratio")
    print()
    headers = ["case"] + [h for size in sizes for h in (f"{size:,} p95", "raw", "x")] + ["queries", "ok"]
    rows, missed = [], []
    for label in labels:
        row, ok = [label], True
        for size in sizes:
            r = results[size].get(label)
            if r is None:
                row += ["-", "-", "-"]
                continue
            p95, raw = r["p95"], r["raw_p95"]
            row += [f"{p95:.1f}", f"{raw:.1f}", f"{p95 / raw:.1f}" if raw else "-"]
            ok = ok and meets(p95, raw)
        row += [results[sizes[-1]].get(label, {}).get("queries", "-"), "yes" if ok else "NO"]
        if not ok:
            missed.append(label)
        rows.append(row)
    common.print_table(headers, rows, align="l" + "rrr" * len(sizes) + "rl")
    print()
    print(f"missing the target (3x raw or raw + 10 ms, and < {TARGET_P95_MS:.0f} ms): {', '.join(missed) or 'none'}")


def meets(p95: float, raw: float) -> bool:
    return p95 < TARGET_P95_MS and (p95 <= 3 * raw or p95 <= raw + 10)


# --- the child: one size ------------------------------------------------------------------------------

def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def child(args) -> int:
    common.setup_django("unused.sqlite3")
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("scale.py builds its rows in PostgreSQL's SQL: set DATABASE_URL to a PostgreSQL database.")
    log(f"migrate: {common.migrate():.1f} s")
    build(args.one)
    results = measure(args)
    print(json.dumps(results))
    return 0


def build(size: int) -> None:
    from django.db import connection, transaction

    from residents import demo
    from residents.models import Community, Grid, Resident, Subdistrict

    if Resident.objects.count() >= size:
        log(f"reusing {Resident.objects.count()} residents")
        return
    if Resident.objects.exists():
        sys.exit("The database holds a partial build: drop it and run again.")
    started = time.perf_counter()
    result = demo.seed(residents=TEMPLATE_RESIDENTS, seed=1)
    home = result.subdistrict
    with transaction.atomic():
        subdistricts = [home] + [Subdistrict.objects.create(name=f"第{i}街道", code=f"1101059{i:02d}")
                                 for i in range(2, SUBDISTRICTS + 1)]
        for s, subdistrict in enumerate(subdistricts):
            have = subdistrict.communities.count()
            new = Community.objects.bulk_create([
                Community(subdistrict=subdistrict, name=f"{subdistrict.name}第{c}社区", code=f"{s:02d}{c:03d}")
                for c in range(have + 1, COMMUNITIES_PER + 1)])
            Grid.objects.bulk_create([Grid(community=c, name=f"第{g}网格", code=f"{g:02d}")
                                      for c in new for g in range(1, GRIDS_PER + 1)])
    demo.ensure_accounts(home, demo.PASSWORD_DEFAULT)
    log(f"seeded {TEMPLATE_RESIDENTS} residents and the places: {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM residents_resident")
        low, high = cursor.fetchone()
        cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'residents_resident'"
                       " ORDER BY ordinal_position")
        columns = [c for (c,) in cursor.fetchall()]
        # Row i copies template resident low + i % templates into grid i % grids (of every sub-district);
        # what must stay unique, or follows from the place, is made anew.
        made = {
            "id": "%(high)s + i",
            "grid_id": "g.grid_id", "community_id": "g.community_id", "household_id": "NULL",
            "id_number_index": "md5('scale' || i)",
            "phone_index": "CASE WHEN t.phone_index = '' THEN '' ELSE md5('phone' || i) END",
            "created_at": "t.created_at", "updated_at": "t.updated_at - (i || ' seconds')::interval",
        }
        select = ", ".join(made.get(c, f"t.{c}") for c in columns)
        cursor.execute("CREATE TEMP TABLE scale_grid AS SELECT row_number() OVER (ORDER BY g.id) - 1 AS k, "
                       "g.id AS grid_id, g.community_id FROM residents_grid g")
        cursor.execute("SELECT count(*) FROM scale_grid")
        (grids,) = cursor.fetchone()
        templates = high - low + 1
        cursor.execute(
            f"INSERT INTO residents_resident ({', '.join(columns)}) SELECT {select} "
            "FROM generate_series(1, %(n)s) i JOIN residents_resident t ON t.id = %(low)s + i %% %(templates)s "
            "JOIN scale_grid g ON g.k = i %% %(grids)s",
            {"high": high, "low": low, "n": size - templates, "templates": templates, "grids": grids})
        log(f"INSERT {size - templates} residents: {time.perf_counter() - started:.1f} s")
        cursor.execute(
            "INSERT INTO residents_residenttag (resident_id, tag) SELECT r.id, t.tag FROM residents_resident r "
            "JOIN residents_residenttag t ON t.resident_id = %(low)s + (r.id - %(high)s) %% %(templates)s "
            "WHERE r.id > %(high)s", {"low": low, "high": high, "templates": templates})
        cursor.execute("SELECT setval(pg_get_serial_sequence('residents_resident', 'id'), "
                       "(SELECT max(id) FROM residents_resident))")
        log(f"INSERT tags: {time.perf_counter() - started:.1f} s")
    connection.ensure_connection()
    old = connection.connection.autocommit
    connection.connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.connection.autocommit = old
    log(f"VACUUM ANALYZE: {time.perf_counter() - started:.1f} s")


def measure(args) -> dict:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from jiedao.models import User
    from residents.models import Resident, Tag

    staff1 = User.objects.get(username="staff1")
    community = staff1.communities.order_by("id").first()
    mine = Resident.objects.filter(community=community)
    detail_id = mine.order_by("id").values_list("id", flat=True).first()
    name = mine.filter(name__regex=r"^..{2}$").order_by("id").values_list("name", flat=True).first()
    filter_query = f"community={community.pk}&age_min=60&tags={Tag.LIVING_ALONE}"
    cases = [
        ("list", "/residents/", "/api/v1/residents/"),
        ("filter", f"/residents/?{filter_query}", f"/api/v1/residents/?{filter_query}"),
        ("search pinyin zh", "/residents/?search=zh", "/api/v1/residents/?search=zh"),
        ("search initials", "/residents/?search=zjg", "/api/v1/residents/?search=zjg"),
        ("search chars 王", "/residents/?search=王", "/api/v1/residents/?search=王"),
        (f"search chars {name}", f"/residents/?search={name}", f"/api/v1/residents/?search={name}"),
        (f"search substring {name[1:]}", f"/residents/?search={name[1:]}", f"/api/v1/residents/?search={name[1:]}"),
        ("detail", f"/residents/{detail_id}/", f"/api/v1/residents/{detail_id}/"),
        ("deep page", "/residents/?page=last", None),
    ]
    only = [o for o in args.only.split(",") if o]
    results = {}
    for username in args.users.split(","):
        user = User.objects.get(username=username)
        client = signed_in(Client(), user)
        deep_api = deep_cursor(client)
        for case, page_url, api_url in cases + [("deep page", None, deep_api)]:
            for kind, url in (("page", page_url), ("api", api_url)):
                label = f"{username} {kind} {case}"
                if url is None or (only and not any(o in label for o in only)):
                    continue
                reset_queries()
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(url)
                if response.status_code != 200:
                    log(f"{label}: GET {url} answered {response.status_code}")
                    sys.exit(1)
                statements = [q["sql"] for q in ctx.captured_queries]
                timing = common.timed(lambda url=url, client=client: client.get(url), args.runs, warmup=args.warmup - 1)
                raw = common.timed(lambda s=statements: run_raw(connection, s), args.runs, warmup=1)
                results[label] = {"p95": timing.p95, "raw_p95": raw.p95, "queries": len(statements)}
                log(f"  {label:<44} p95 {timing.p95:7.1f} ms  raw {raw.p95:7.1f} ms  queries {len(statements)}")
    return results


def signed_in(client, user):
    """force_login and a verified second factor, as tests/otp.py's mark_verified: the benchmark times the
    lists, not the sign-in."""
    from django.conf import settings
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user).first() or TOTPDevice.objects.create(
        user=user, name="benchmark", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


def deep_cursor(client) -> str:
    """The API's keyset page after 20 pages walked by their `next` links: it must cost what the first does."""
    url = "/api/v1/residents/?cursor="
    for _ in range(20):
        body = client.get(url).json()
        if not body.get("next"):
            break
        url = body["next"].replace("http://testserver", "")
    return url


def run_raw(connection, statements) -> None:
    # The reads only (the session's and the account's included): a detail's audit entry is written once,
    # by the request, not again with the same keys.
    with connection.cursor() as cursor:
        for sql in statements:
            if sql.lstrip().upper().startswith("SELECT"):
                cursor.execute(sql)
                cursor.fetchall()


if __name__ == "__main__":
    sys.exit(main())
