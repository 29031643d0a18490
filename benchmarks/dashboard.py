#!/usr/bin/env python
"""The leaders' dashboard and the monthly report pack at 100,000 residents and a million meals.

    python benchmarks/dashboard.py                 # SQLite: benchmarks/meals.sqlite3 (shared with meals.py)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiedao_bench_meals python benchmarks/dashboard.py

Seeds (once) the demo sub-district with 100,000 residents, two weeks of visits, relief cases and about
a year of canteen meals (over a million rows), then times GET /api/v1/dashboard/ as the sub-district
leader through the whole Django stack (this month, and last month as it stood at its end), the
dashboard page, and building last month's report pack.
"""

import argparse
import sys
import time

import common


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--residents", type=int, default=100_000, help="residents to seed (default 100000)")
    parser.add_argument("--days", type=int, default=330, help="days of canteen meals to seed (default 330)")
    common.add_database_arguments(parser)
    args = parser.parse_args()
    common.setup_django("meals.sqlite3", allow_any_database=args.allow_any_database)

    from django.db import connection
    from django.test import Client

    from assistance import demo as relief_demo
    from elderly_care import demo as care_demo
    from elderly_care.models import Meal
    from jiedao.models import User
    from reports.selectors import figures_changed
    from reports.services import previous_month, report_build
    from residents import demo
    from residents.models import Community, Resident
    from visits import demo as visits_demo

    print(f"Database: {common.database_label()}")
    common.migrate()
    started = time.perf_counter()
    result = common.seed_residents(args.residents)
    written = care_demo.seed_care(subdistrict=result.subdistrict, days=args.days, seed=1, regulars_share=0.13)
    demo.ensure_accounts(result.subdistrict, demo.PASSWORD_DEFAULT)
    written += visits_demo.seed_visits(subdistrict=result.subdistrict)
    written += relief_demo.seed_cases(subdistrict=result.subdistrict)
    if written:
        common.analyze()
    residents, meals = Resident.objects.count(), Meal.objects.count()
    print(f"seed: {residents:,} residents, {meals:,} meals in {time.perf_counter() - started:.1f} s")

    leader = User.objects.get(username="leader")
    client = Client()
    client.force_login(leader)
    last = previous_month()

    def get(url):
        def call():
            response = client.get(url)
            assert response.status_code == 200, response.content[:500]
        return call

    def cold(call):
        def after_a_change():  # as if a resident had just been saved: every cached part starts afresh
            figures_changed(Resident)
            figures_changed(Community)
            call()
        return after_a_change

    now = common.timed(get("/api/v1/dashboard/"), args.runs)
    now_cold = common.timed(cold(get("/api/v1/dashboard/")), max(5, args.runs // 4))
    last_warm = common.timed(get(f"/api/v1/dashboard/?month={last:%Y-%m}"), args.runs)
    last_cold = common.timed(cold(get(f"/api/v1/dashboard/?month={last:%Y-%m}")), max(5, args.runs // 4))
    page = common.timed(get("/dashboard/"), max(5, args.runs // 4))
    build_s, report = common.once(lambda: report_build(subdistrict=result.subdistrict, month=last))

    rows = []
    for label, warm, fresh in [("this month", now, now_cold),
                               (f"?month={last:%Y-%m} (as it stood at its end)", last_warm, last_cold)]:
        rows.append((f"GET /api/v1/dashboard/ {label}, cached", f"p50 {warm.p50:.0f} ms, p95 {warm.p95:.0f} ms"))
        rows.append((f"GET /api/v1/dashboard/ {label}, first call after a change",
                     f"p50 {fresh.p50:.0f} ms, p95 {fresh.p95:.0f} ms"))
    rows.append(("GET /dashboard/ (page, cached)", f"p50 {page.p50:.0f} ms, p95 {page.p95:.0f} ms"))
    rows.append((f"monthly report pack {last:%Y-%m} (build + store, {report.size:,} bytes)",
                 f"{build_s * 1000:.0f} ms"))
    print()
    common.print_table([f"measure ({connection.vendor}, {residents:,} residents, {meals:,} meals)", "result"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
