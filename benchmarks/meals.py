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
import sys
import time

import common

WARMUPS = 5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=100_000, help="residents to seed (default 100000)")
    parser.add_argument("--days", type=int, default=330)
    parser.add_argument("--runs", type=int, default=50)
    common.add_database_arguments(parser)
    args = parser.parse_args()
    common.setup_django("meals.sqlite3", allow_any_database=args.allow_any_database)

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from elderly_care import demo as care_demo
    from elderly_care.models import Meal
    from elderly_care.services import eligible_residents
    from jiedao.models import User
    from residents import demo

    print(f"Database: {common.database_label()}")
    common.migrate()
    started = time.perf_counter()
    result = common.seed_residents(args.residents)
    written = care_demo.seed_care(subdistrict=result.subdistrict, days=args.days, seed=1, regulars_share=0.13)
    demo.ensure_accounts(result.subdistrict, demo.PASSWORD_DEFAULT)
    if written:
        common.analyze()
    total = Meal.objects.count()
    print(f"seed: {total} meals ({written} new) in {time.perf_counter() - started:.1f} s")

    operator = User.objects.get(username="point1")
    point = operator.service_point
    today = timezone.localdate()
    Meal.objects.filter(date=today).delete()  # each run checks in afresh
    diners = list(eligible_residents(point).exclude(meals__date=today).values_list("id_number", flat=True)
                  [: args.runs + WARMUPS])
    runs, diners = len(diners) - WARMUPS, iter(diners)
    client = common.client_for(operator)
    queries = 0

    def check_in():  # a different diner each time
        nonlocal queries
        reset_queries()  # the log is a bounded deque; the seed's queries would hide these
        with CaptureQueriesContext(connection) as ctx:
            response = client.post("/api/v1/meals/", {"id_number": next(diners), "meal": "lunch"},
                                   content_type="application/json")
        assert response.status_code == 201, response.content
        queries = len(ctx.captured_queries)

    checkins = common.timed(check_in, runs, warmup=WARMUPS)

    admin = common.client_for(User.objects.get(username="admin"))
    month = (today.replace(day=1) - timezone.timedelta(days=1)).strftime("%Y-%m")  # last full month

    def stats():
        response = admin.get(f"/api/v1/meals/stats/?month={month}")
        assert response.status_code == 200
        return response

    monthly = common.timed(stats, 5, warmup=1)
    month_meals = int(monthly.result.json()["totals"]["meals"])

    print()
    common.print_table([f"measure ({connection.vendor}, {total:,} meals)", "result"], [
        (f"check-in round trip, {len(checkins.times)} diners",
         f"p50 {checkins.p50:.1f} ms, p95 {checkins.p95:.1f} ms, {queries} queries"),
        (f"monthly stats {month} ({month_meals:,} meals)", f"p50 {monthly.p50:.0f} ms, max {monthly.worst:.0f} ms"),
    ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
