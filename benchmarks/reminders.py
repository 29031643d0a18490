#!/usr/bin/env python
"""The reminder job and the grid worker's day with 20,000 key residents.

    python benchmarks/reminders.py                       # SQLite: benchmarks/reminders.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiedao_bench_reminders python benchmarks/reminders.py

Seeds the demo sub-district (100,000 residents) once, puts 20,000 of them in the key tier (phoned
daily, visited weekly) with two weeks of visit history and the curtain pact for those living alone,
then times one run of the reminder job at 08:30 (a cold run that writes the inbox, then a second run
that must write and send nothing), and counts the queries of the grid worker's day page.
"""

import argparse
import logging
import sys
import time

import common

KEY_RESIDENTS = 20_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--key", type=int, default=KEY_RESIDENTS, help="residents in the key tier (default 20000)")
    common.add_database_arguments(parser)
    args = parser.parse_args()
    common.setup_django("reminders.sqlite3", allow_any_database=args.allow_any_database)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from jiedao.models import Notification, User
    from residents.models import Resident
    from visits import demo as visits_demo
    from visits import services
    from visits.models import DueDate, Visit
    from visits.services import due_dates_refill

    logging.getLogger("jiedao.notifications").setLevel(logging.WARNING)  # 40,000 log lines are not the point
    print(f"Database: {common.database_label()}")
    common.migrate()
    started = time.perf_counter()
    result = common.seed_residents(args.residents)
    if not Visit.objects.exists():
        # The oldest residents are the key tier, as in a real sub-district.
        key_ids = list(Resident.objects.order_by("birth_date").values_list("pk", flat=True)[: args.key])
        Resident.objects.filter(pk__in=key_ids).update(care_tier="key")
        Resident.objects.exclude(pk__in=key_ids).update(care_tier="none")
        visits = visits_demo.seed_visits(subdistrict=result.subdistrict, seed=1)
        print(f"seed: {args.residents} residents, {len(key_ids)} key, {visits} visits in "
              f"{time.perf_counter() - started:.1f} s")
    else:
        print("seed: reused")
        if not DueDate.objects.exists():  # seeded before the due dates were stored: as refill_due_dates does
            due_dates_refill()
    key = Resident.objects.filter(care_tier="key").count()
    Notification.objects.all().delete()
    now = timezone.make_aware(timezone.datetime.combine(timezone.localdate(), timezone.datetime.min.time())) \
        + timezone.timedelta(hours=8, minutes=30)

    cold, first = common.once(lambda: services.reminders_run(now=now))
    warm, second = common.once(lambda: services.reminders_run(now=now + timezone.timedelta(minutes=15)))

    setup_test_environment()  # so the response carries its template context (the row counts)
    client = common.client_for(User.objects.get(username="grid1"))
    client.get("/visits/today/")
    with CaptureQueriesContext(connection) as ctx:
        page, response = common.once(lambda: client.get("/visits/today/"))
    assert response.status_code == 200
    rows = sum(len(response.context[k]) for k in ("missed", "overdue", "due"))

    print()
    common.print_table([f"measure ({connection.vendor}, {key} key residents)", "result"], [
        ("reminder job, first run at 08:30",
         f"{cold:.2f} s: {first['due_items']} due items, {first['delivered']} reminders written and sent"),
        ("reminder job, second run", f"{warm:.2f} s: {second['delivered']} sent (idempotent)"),
        ("grid worker's day page (grid1)",
         f"{page * 1000:.0f} ms, {len(ctx.captured_queries)} queries, {rows} tasks"),
    ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
