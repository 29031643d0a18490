#!/usr/bin/env python
"""The opening minute of a popular class: 300 enrolments for 30 places at once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiedao_bench_enrolment python benchmarks/enrolment.py
    python benchmarks/enrolment.py              # SQLite (benchmarks/enrolment.sqlite3): one thread only

Seeds the demo sub-district (small: --residents, default 2,000) and 300 children of its first community once,
then, for each run, a new summer class (30 places, its window open) and fires every child's enrolment through
the whole Django stack (`POST /api/v1/enrolments/` with the sub-district admin's token) from --threads threads at once,
each with its own database connection, released together by a barrier. Every enrolment waits for the
programme's row lock (child_services.services.enrolment_create), so the p95 is what a parent at the back of
the queue waits. Checks what the fairness test checks (30 enrolled, 270 waiting 1..270, no error), prints
p50 / p95 / max of one enrolment.
"""

import argparse
import sys
import threading
import time
from datetime import date, timedelta

import common

CHILDREN, PLACES = 300, 30


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=2_000, help="demo residents to seed (default 2000)")
    parser.add_argument("--threads", type=int, default=40,
                        help="concurrent clients, one connection each (default 40; PostgreSQL's default "
                             "max_connections is 100)")
    common.add_database_arguments(parser)
    args = parser.parse_args()
    common.setup_django("enrolment.sqlite3", allow_any_database=args.allow_any_database)

    from django.db import connection, connections
    from django.test import Client
    from django.utils import timezone

    from child_services.models import Enrolment, EnrolmentStatus, Programme
    from jiedao.models import User
    from jiedao.services import api_token_issue
    from residents import id_numbers
    from residents.models import Resident, ServicePoint
    from residents.services import set_derived_fields

    threads = args.threads if connection.vendor == "postgresql" else 1  # SQLite locks the whole file
    print(f"Database: {common.database_label()}")
    common.migrate()
    result = common.seed_residents(args.residents)
    grid = result.subdistrict.communities.order_by("pk").first().grids.order_by("pk").first()
    children = list(Resident.objects.filter(grid=grid, name__startswith="基准儿童").values_list("pk", flat=True))
    if len(children) < CHILDREN:
        today = timezone.localdate()
        for n in range(len(children), CHILDREN):
            child = Resident(name=f"基准儿童{n}", grid=grid, estate="和平里一区", building="9", unit="1",
                             room=str(100 + n), id_number=id_numbers.make(
                                 "110105", date(today.year - 7, 1, 1) + timedelta(days=n), 998, female=n % 2 == 0))
            set_derived_fields(child)
            child.save()
        children = list(Resident.objects.filter(grid=grid, name__startswith="基准儿童").values_list("pk", flat=True))
        common.analyze()
    point, _ = ServicePoint.objects.get_or_create(subdistrict=result.subdistrict, name="基准向日葵亲子小屋",
                                                  defaults={"community": grid.community, "kind": "parent_child_hut"})
    now = timezone.now()
    summer = Programme.objects.create(
        point=point, name=f"暑期阅读公益班 {timezone.localtime(now):%m-%d %H:%M:%S}", kind="holiday_class",
        age_min_months=72, age_max_months=144, starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=40), capacity=PLACES,
        enrol_opens_at=now - timedelta(seconds=1), enrol_closes_at=now + timedelta(days=7))
    # A token, as an app would sign in (a forced session has not passed the second factor: the API says 403).
    key, _ = api_token_issue(user=User.objects.get(username="admin"))
    connections.close_all()  # each thread opens its own

    start, lock, times, failures = threading.Barrier(threads), threading.Lock(), [], []

    def parent(mine):
        client = Client(HTTP_AUTHORIZATION=f"Token {key}")
        try:
            start.wait()
            for child in mine:
                began = time.perf_counter()
                response = client.post("/api/v1/enrolments/", {"programme": summer.pk, "child": child,
                                                               "guardian_name": "家长",
                                                               "guardian_phone": "13800001111"},
                                       content_type="application/json")
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    times.append(elapsed)
                    if response.status_code != 201:
                        failures.append((response.status_code, response.content[:200]))
        finally:
            connections.close_all()

    began = time.perf_counter()
    workers = [threading.Thread(target=parent, args=(children[i::threads],)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    burst = time.perf_counter() - began

    rows = list(Enrolment.objects.filter(programme=summer).order_by("id").values_list("status", "position"))
    fair = ([s for s, _ in rows] == [EnrolmentStatus.ENROLLED] * PLACES
            + [EnrolmentStatus.WAITLISTED] * (CHILDREN - PLACES)
            and [p for _, p in rows[PLACES:]] == list(range(1, CHILDREN - PLACES + 1)))
    print()
    common.print_table([f"measure ({connection.vendor}, {threads} threads)", "result"], [
        (f"{len(times)} enrolments for {PLACES} places, burst", f"{burst:.1f} s"),
        ("one enrolment under the burst", f"p50 {common.percentile(times, 50):.0f} ms, "
                                          f"p95 {common.percentile(times, 95):.0f} ms, max {max(times):.0f} ms"),
        ("answers other than 201", str(len(failures))),
        ("30 enrolled, 270 waiting 1..270 in commit order", "yes" if fair else "NO"),
    ])
    return 0 if fair and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
