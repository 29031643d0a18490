#!/usr/bin/env python
"""Canteen check-in and monthly meal statistics with a million meal records.

    python benchmarks/meals.py                     # SQLite: benchmarks/meals.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiedao_bench_meals python benchmarks/meals.py

Seeds the demo sub-district (100,000 residents) and about a year of meals for its regular diners
(over a million rows) once, then times through the whole Django stack (django.test.Client): the
check-in round trip (POST /api/v1/meals/ by the canteen's operator, a different diner each time) and
the monthly statistics (GET /api/v1/meals/stats/ for the sub-district admin).
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=330)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--allow-any-database", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{HERE / 'meals.sqlite3'}")
    import residents_list

    residents_list.configure_environment(argparse.Namespace(allow_any_database=args.allow_any_database))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from elderly_care.models import Meal
    from elderly_care.services import eligible_residents
    from jiedao.models import User
    from residents import demo

    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    result = demo.seed(residents=100_000, seed=1)
    demo.ensure_accounts(result.subdistrict, demo.PASSWORD_DEFAULT)
    written = demo.seed_care(subdistrict=result.subdistrict, days=args.days, seed=1, regulars_share=0.13)
    demo.ensure_accounts(result.subdistrict, demo.PASSWORD_DEFAULT)
    if connection.vendor == "postgresql" and written:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    total = Meal.objects.count()
    print(f"seed: {total} meals ({written} new) in {time.perf_counter() - started:.1f} s")

    operator = User.objects.get(username="point1")
    point = operator.service_point
    today = timezone.localdate()
    Meal.objects.filter(date=today).delete()  # each run checks in afresh
    diners = list(eligible_residents(point).exclude(meals__date=today).values_list("id_number", flat=True)
                  [: args.runs + 5])
    client = Client()
    client.force_login(operator)
    times, queries = [], 0
    for i, number in enumerate(diners):
        reset_queries()  # the log is a bounded deque; the seed's queries would hide these
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.post("/api/v1/meals/", {"id_number": number, "meal": "lunch"},
                                   content_type="application/json")
            took = time.perf_counter() - started
        assert response.status_code == 201, response.content
        if i >= 5:  # warm-ups
            times.append(took * 1000)
            queries = len(ctx.captured_queries)

    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    month = (today.replace(day=1) - timezone.timedelta(days=1)).strftime("%Y-%m")  # last full month
    stats_times = []
    for _ in range(6):
        started = time.perf_counter()
        response = admin.get(f"/api/v1/meals/stats/?month={month}")
        stats_times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    month_meals = int(response.json()["totals"]["meals"])
    stats_times = stats_times[1:]

    print()
    print(f"| measure ({connection.vendor}, {total:,} meals) | result |")
    print("|---|---|")
    print(f"| check-in round trip, {len(times)} diners | p50 {percentile(times, 50):.1f} ms, "
          f"p95 {percentile(times, 95):.1f} ms, {queries} queries |")
    print(f"| monthly stats {month} ({month_meals:,} meals) | p50 {percentile(stats_times, 50):.0f} ms, "
          f"max {max(stats_times):.0f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
