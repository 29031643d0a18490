#!/usr/bin/env python
"""Resident list / search / detail timings on 100,000 demo residents (page and API).

    python benchmarks/residents_list.py                      # SQLite: benchmarks/bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiedao_bench python benchmarks/residents_list.py

Migrates the benchmark database (a PostgreSQL database is created if missing), seeds the demo
sub-district once (later runs reuse it), then times each case with django.test.Client as "admin"
(the whole sub-district) and "staff1" (one community): p50 / p95 / max over --runs requests after
--warmup requests, and the SQL queries one request makes. On PostgreSQL the main statements of the
list, filter and search cases are run through EXPLAIN ANALYZE (on SQLite, EXPLAIN QUERY PLAN); a summary
is printed and the plans are written to benchmarks/results/. Ends with a Markdown table.
See benchmarks/README.md.
"""

import argparse
import os
import sys
import time

import common

HERE = common.HERE
ROOT = common.ROOT
SQLITE_FILE = "bench.sqlite3"
TARGET_P95_MS = 150.0


class RequestFailed(Exception):
    pass


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed requests per case (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (default 3)")
    parser.add_argument("--residents", type=int, default=100_000, help="residents to seed (default 100000)")
    parser.add_argument("--users", default="admin,staff1", help="demo accounts to measure as (default admin,staff1)")
    parser.add_argument("--no-explain", action="store_true", help="skip the query plans")
    parser.add_argument("--show-plans", action="store_true", help="print full EXPLAIN plans, not only a summary")
    common.add_database_arguments(parser)
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be at least 1 and --warmup at least 0")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    common.setup_django(SQLITE_FILE, allow_any_database=args.allow_any_database)

    from django.db import connection, reset_queries
    from django.db.models import Count
    from django.db.models.functions import Length
    from django.test.utils import CaptureQueriesContext

    from jiedao.models import User
    from jiedao.scope import can_write_registry as can_write
    from residents import demo
    from residents.models import Resident, Status, Tag

    vendor = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(connection.vendor, connection.vendor)
    print(f"Database: {vendor} {connection.settings_dict['NAME']}")

    print(f"migrate: {common.migrate():.1f} s")

    started = time.perf_counter()
    result = demo.seed(residents=args.residents, seed=1)
    took = time.perf_counter() - started
    if result.created:
        print(f"seed: {result.residents} residents, {result.households} households in {took:.1f} s")
    else:
        print(f"seed: reused existing demo sub-district ({result.residents} residents; check {took:.2f} s)")
        if result.residents < args.residents:
            print(f"WARNING: the database holds {result.residents} demo residents, fewer than {args.residents}; "
                  "drop the benchmark database to reseed.")
    started = time.perf_counter()
    demo.ensure_accounts(result.subdistrict, demo.PASSWORD_DEFAULT)
    print(f"ensure_accounts: {time.perf_counter() - started:.1f} s")
    if result.created and (took := common.analyze()) is not None:
        print(f"VACUUM ANALYZE: {took:.1f} s")

    # Parameters that exist in the seeded data, inside staff1's community so both users find rows.
    staff1 = User.objects.get(username="staff1")
    community = staff1.communities.order_by("id").first()
    in_community = Resident.objects.filter(community=community, status=Status.ACTIVE)
    initials = "zcl"
    if not in_community.filter(name_initials__startswith=initials).exists():
        initials = (in_community.annotate(n_len=Length("name_initials")).filter(n_len=3)
                    .values("name_initials").annotate(n=Count("id")).order_by("-n")
                    .values_list("name_initials", flat=True).first()) or "zh"
    detail_id = (in_community.filter(household__isnull=False).order_by("id").values_list("id", flat=True).first())
    print(f"community={community.pk} ({community.name}), initials={initials!r}, detail resident={detail_id}")
    # The look-ups by number (whole ID number, its last four, a whole phone) of one resident of that community:
    # what encryption at rest with keyed indexes must keep fast.
    number, phone = in_community.exclude(phone="").order_by("id").values_list("id_number", "phone").first()

    filter_query = f"community={community.pk}&age_min=60&tags={Tag.LIVING_ALONE}"
    cases = [
        ("list", "/residents/", "/api/v1/residents/"),
        ("filter", f"/residents/?{filter_query}", f"/api/v1/residents/?{filter_query}"),
        ("search zh", "/residents/?search=zh", "/api/v1/residents/?search=zh"),
        (f"search {initials}", f"/residents/?search={initials}", f"/api/v1/residents/?search={initials}"),
        ("detail", f"/residents/{detail_id}/", f"/api/v1/residents/{detail_id}/"),
        ("search id number", f"/residents/?search={number}", f"/api/v1/residents/?search={number}"),
        ("search last four", f"/residents/?search={number[-4:]}", f"/api/v1/residents/?search={number[-4:]}"),
        ("search phone", f"/residents/?search={phone}", f"/api/v1/residents/?search={phone}"),
    ]
    # The dedupe on create: registering a number already there is refused (400, nothing written), by the API.
    grid_id = in_community.values_list("grid_id", flat=True).first()
    duplicate = {"name": "重复登记", "id_number": number, "grid": grid_id}

    rows, captured = [], {}
    for username in [u.strip() for u in args.users.split(",") if u.strip()]:
        user = User.objects.get(username=username)
        client = common.client_for(user)
        for name, page_url, api_url in cases:
            for kind, url in (("page", page_url), ("api", api_url)):
                label = f"{username} {kind} {name}"
                # The first warm-up counts the queries (and keeps them for EXPLAIN); the other warm-ups
                # and the timed runs do not capture.
                reset_queries()  # the log holds at most 9000 queries; a full one would count none
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(url)
                if response.status_code != 200:
                    print(f"{label}: GET {url} answered {response.status_code}", file=sys.stderr)
                    return 1
                captured[(username, kind, name)] = [q["sql"] for q in ctx.captured_queries]
                found = response.json().get("count") if kind == "api" else None  # lists only

                def get(client=client, url=url):
                    response = client.get(url)
                    if response.status_code != 200:
                        raise RequestFailed(f"GET {url} answered {response.status_code}")

                try:
                    timing = common.timed(get, args.runs, warmup=max(0, args.warmup - 1))
                except RequestFailed as failed:
                    print(f"{label}: {failed}", file=sys.stderr)
                    return 1
                rows.append((label, timing.p50, timing.p95, timing.worst, len(ctx.captured_queries)))
                print(f"  {label:<32} p50 {rows[-1][1]:7.1f} ms  p95 {rows[-1][2]:7.1f} ms  "
                      f"queries {rows[-1][4]:3d}" + (f"  ({found} residents)" if found is not None else ""),
                      flush=True)

        if not can_write(user):
            continue
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            response = client.post("/api/v1/residents/", duplicate, content_type="application/json")
        if response.status_code != 400:
            print(f"{username} dedupe: POST answered {response.status_code}", file=sys.stderr)
            return 1

        def post(client=client):
            if client.post("/api/v1/residents/", duplicate, content_type="application/json").status_code != 400:
                raise RequestFailed("the duplicate was not refused")

        timing = common.timed(post, args.runs, warmup=max(0, args.warmup - 1))
        rows.append((f"{username} api dedupe (400)", timing.p50, timing.p95, timing.worst, len(ctx.captured_queries)))
        print(f"  {rows[-1][0]:<32} p50 {rows[-1][1]:7.1f} ms  p95 {rows[-1][2]:7.1f} ms  "
              f"queries {rows[-1][4]:3d}", flush=True)

    if not args.no_explain:
        explain(connection, captured, show_plans=args.show_plans)

    print()
    print(f"Residents: {result.residents}; runs: {args.runs} after {args.warmup} warm-ups; "
          f"DEBUG={os.environ['DEBUG']}")
    print()
    common.print_table(["case", "database", "p50 ms", "p95 ms", "max ms", "queries"],
                       [(label, vendor, f"{p50:.1f}", f"{p95:.1f}", f"{worst:.1f}", queries)
                        for label, p50, p95, worst, queries in rows], align="llrrrr")
    slow = [r[0] for r in rows if r[2] > TARGET_P95_MS]
    print()
    print(f"p95 over {TARGET_P95_MS:.0f} ms: {', '.join(slow) if slow else 'none'}")
    return 0


def explain(connection, captured: dict, *, show_plans: bool) -> None:
    """Plan the statements on the resident tables of the list/filter/search cases.

    PostgreSQL: EXPLAIN (ANALYZE, BUFFERS), summarised as time, indexes used and sequential scans.
    SQLite: EXPLAIN QUERY PLAN, with the statement's own time measured by running it.
    Statements the API shares with the page are planned once; full plans go to benchmarks/results/.
    """
    postgres = connection.vendor == "postgresql"
    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    out_path = results_dir / f"explain-{connection.vendor}.txt"
    seen: set[str] = set()
    lines = []
    print()
    print(f"{'EXPLAIN ANALYZE' if postgres else 'EXPLAIN QUERY PLAN'} ({connection.vendor}): statements on "
          "residents_resident / residents_residenttag (API statements equal to the page's are not repeated)")
    for (username, kind, name), statements in captured.items():
        if name == "detail":
            continue
        for sql in statements:
            if not sql.lstrip().upper().startswith("SELECT") or '"residents_resident' not in sql:
                continue
            prefetch = sql.lstrip().startswith('SELECT "residents_residenttag"')
            # Prefetches differ only by the ids of the page shown: one per case is enough.
            key = f"{username} {name} tags" if prefetch else sql
            if key in seen:
                continue
            seen.add(key)
            kind_of = "tags prefetch" if prefetch else ("count" if "COUNT(*)" in sql.upper() else "rows")
            with connection.cursor() as cursor:
                if postgres:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                    plan = [r[0] for r in cursor.fetchall()]
                    took = next((p for p in plan if p.startswith("Execution Time")), "").split(": ")[-1]
                    indexes = sorted(
                        {p.split(" using ", 1)[1].split(" on ")[0].split()[0] for p in plan if " using " in p}
                        | {p.split("Bitmap Index Scan on ", 1)[1].split()[0] for p in plan
                           if "Bitmap Index Scan on " in p})
                    seq = sorted({p.split("Seq Scan on ", 1)[1].split()[0] for p in plan if "Seq Scan on " in p})
                    summary = f"{took}; indexes: {', '.join(indexes) or '-'}"
                    if seq:
                        summary += f"; seq scan: {', '.join(seq)}"
                else:
                    cursor.execute("EXPLAIN QUERY PLAN " + sql)
                    plan = [r[-1] for r in cursor.fetchall()]
                    t0 = time.perf_counter()
                    cursor.execute(sql)
                    cursor.fetchall()
                    took = (time.perf_counter() - t0) * 1000
                    summary = f"{took:.3f} ms; " + " | ".join(plan)
            print(f"  {username} {kind} {name} [{kind_of}]: {summary}")
            lines += [f"-- {username} {kind} {name} [{kind_of}]", sql, *plan, ""]
            if show_plans:
                print("\n".join("      " + p for p in plan))
    out_path.write_text("\n".join(lines), encoding="utf-8")
    print(f"  full plans: {out_path.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
