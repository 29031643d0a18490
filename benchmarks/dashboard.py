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
import math
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def percentile(values, p):
    values = sorted(values)
    return values[max(1, math.ceil(p / 100 * len(values))) - 1]


def timed(call, runs):
    call()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--allow-any-database", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{HERE / 'meals.sqlite3'}")
    import residents_list

    residents_list.configure_environment(argparse.Namespace(allow_any_database=args.allow_any_database))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from elderly_care.models import Meal
    from jiedao.models import User
    from jiedao.reports import previous_month, report_build
    from jiedao.selectors import figures_changed
    from residents import demo
    from residents.models import Community, Resident

    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    result = demo.seed(residents=100_000, seed=1)
    demo.ensure_accounts(result.subdistrict, demo.PASSWORD_DEFAULT)
    written = demo.seed_care(subdistrict=result.subdistrict, days=330, seed=1, regulars_share=0.13)
    demo.ensure_accounts(result.subdistrict, demo.PASSWORD_DEFAULT)
    written += demo.seed_visits(subdistrict=result.subdistrict) + demo.seed_cases(subdistrict=result.subdistrict)
    if connection.vendor == "postgresql" and written:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
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

    now_ms = timed(get("/api/v1/dashboard/"), args.runs)
    now_cold_ms = timed(cold(get("/api/v1/dashboard/")), max(5, args.runs // 4))
    last_ms = timed(get(f"/api/v1/dashboard/?month={last:%Y-%m}"), args.runs)
    last_cold_ms = timed(cold(get(f"/api/v1/dashboard/?month={last:%Y-%m}")), max(5, args.runs // 4))
    page_ms = timed(get("/dashboard/"), max(5, args.runs // 4))
    started = time.perf_counter()
    report = report_build(subdistrict=result.subdistrict, month=last)
    build_s = time.perf_counter() - started

    print()
    print(f"| measure ({connection.vendor}, {residents:,} residents, {meals:,} meals) | result |")
    print("|---|---|")
    for label, warm, fresh in [("this month", now_ms, now_cold_ms),
                               (f"?month={last:%Y-%m} (as it stood at its end)", last_ms, last_cold_ms)]:
        print(f"| GET /api/v1/dashboard/ {label}, cached | p50 {percentile(warm, 50):.0f} ms, "
              f"p95 {percentile(warm, 95):.0f} ms |")
        print(f"| GET /api/v1/dashboard/ {label}, first call after a change | p50 {percentile(fresh, 50):.0f} ms, "
              f"p95 {percentile(fresh, 95):.0f} ms |")
    print(f"| GET /dashboard/ (page, cached) | p50 {percentile(page_ms, 50):.0f} ms, "
          f"p95 {percentile(page_ms, 95):.0f} ms |")
    print(f"| monthly report pack {last:%Y-%m} (build + store, {report.size:,} bytes) | {build_s * 1000:.0f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
