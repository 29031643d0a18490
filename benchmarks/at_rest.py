#!/usr/bin/env python
"""What encryption at rest touches, timed in wall-clock and CPU time of this process (the CPU time is what
a busy shared machine disturbs least): look-ups by whole ID number, last four and phone, the dedupe refusal,
a canteen check-in by ID number, the resident export and a monthly pack's build.

    python benchmarks/at_rest.py [--runs 20]           # SQLite: the list and meals benchmarks' own files
    DATABASE_URL=… python benchmarks/at_rest.py         # PostgreSQL: a database seeded by meals.py

Runs on the data the other benchmarks seeded (residents_list.py's bench.sqlite3 for the registry and the
export; meals.py's meals.sqlite3 for the counter and the pack); run those first. Prints one line per case:
p50 wall ms, p50 CPU ms.
"""

import argparse
import os
import statistics
import sys
import time

import common


def timed(call, runs: int, warmup: int = 2) -> tuple[float, float]:
    for _ in range(warmup):
        call()
    wall, cpu = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--part", choices=["registry", "meals"], default="registry")
    common.add_database_arguments(parser)
    args = parser.parse_args()
    os.environ.pop("REDIS_URL", None)
    common.setup_django("bench.sqlite3" if args.part == "registry" else "meals.sqlite3",
                        allow_any_database=args.allow_any_database)

    from django.conf import settings
    from django.utils import timezone

    from jiedao.models import User
    from residents.models import Resident

    results = []
    if args.part == "registry":
        admin = common.client_for(User.objects.get(username="admin"))
        number, phone, grid = (Resident.objects.exclude(phone="").order_by("id")
                               .values_list("id_number", "phone", "grid_id").first())
        for label, term in [("search whole ID number", number), ("search last four", number[-4:]),
                            ("search whole phone", phone)]:
            results.append((f"GET /api/v1/residents/?search= ({label})", timed(
                lambda t=term: admin.get("/api/v1/residents/", {"search": t}), args.runs)))
        duplicate = {"name": "重复登记", "id_number": number, "grid": grid}
        results.append(("POST /api/v1/residents/ an existing number (dedupe, 400)", timed(
            lambda: admin.post("/api/v1/residents/", duplicate, content_type="application/json"), args.runs)))
        settings.EXPORT_ASYNC_THRESHOLD = 10**9
        results.append(("GET /api/v1/residents/?format=xlsx&status=all (100,000 rows)", timed(
            lambda: b"".join(admin.get("/api/v1/residents/?format=xlsx&status=all").streaming_content), 3,
            warmup=1)))
    else:
        from elderly_care.models import Meal
        from elderly_care.services import eligible_residents
        from reports.services import previous_month, report_build
        from residents.models import Subdistrict

        operator = User.objects.get(username="point1")
        today = timezone.localdate()
        Meal.objects.filter(date=today).delete()
        diners = iter(list(eligible_residents(operator.service_point).values_list("id_number", flat=True)
                           [: args.runs + 2]))
        counter = common.client_for(operator)
        results.append(("POST /api/v1/meals/ by ID number (check-in)", timed(
            lambda: counter.post("/api/v1/meals/", {"id_number": next(diners), "meal": "lunch"},
                                 content_type="application/json"), args.runs)))
        street = Subdistrict.objects.get(name=operator.subdistrict.name)
        results.append(("report_build, last month's pack", timed(
            lambda: report_build(subdistrict=street, month=previous_month(today)), 3, warmup=1)))
    for label, (wall, cpu) in results:
        print(f"{label:<64} wall p50 {wall:8.1f} ms   CPU p50 {cpu:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
