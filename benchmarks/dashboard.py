#!/usr/bin/env python
"""The leaders' dashboard and the monthly report pack at 100,000 residents and a million meals.

    python benchmarks/dashboard.py                 # SQLite: benchmarks/meals.sqlite3 (shared with meals.py)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiedao_bench_meals python benchmarks/dashboard.py

Seeds (once) the demo sub-district with 100,000 residents, two weeks of visits, relief cases and about
a year of canteen meals (over a million rows), then times GET /api/v1/dashboard/ as the sub-district
leader through the whole Django stack (this month, and last month as it stood at its end), the
dashboard page, and building last month's report pack.

Then the first read after one change of each kind the day brings (a visit recorded, a canteen check-in,
a resident saved, a case moved on a step, a resident moved to the next community, a tag given; for the district,
a move its sub-district's leader read first), each through its service as the pages make it: the change is
untimed, the read after it is timed, and its ratio is to the raw SQL of the same read (the statements that read
ran, replayed on the same connection without Django).
"""

import argparse
import sys
import time
from decimal import Decimal

import common


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--residents", type=int, default=100_000, help="residents to seed (default 100000)")
    parser.add_argument("--days", type=int, default=330, help="days of canteen meals to seed (default 330)")
    parser.add_argument("--district", action="store_true",
                        help="read as the district officer on a district seeded by benchmarks/seed.py; no seeding")
    parser.add_argument("--reader", default="district",
                        help="with --district, who reads (default district; leader reads 和平里's 100,000)")
    common.add_database_arguments(parser)
    args = parser.parse_args()
    common.setup_django("meals.sqlite3", allow_any_database=args.allow_any_database)

    from django.db import connection

    from assistance import demo as relief_demo
    from elderly_care import demo as care_demo
    from elderly_care.models import Meal
    from jiedao.models import User
    from reports.selectors import figures_changed
    from reports.services import previous_month, report_build
    from residents import demo
    from residents.models import Community, Resident, Subdistrict
    from visits import demo as visits_demo
    from visits.models import DueDate
    from visits.services import due_dates_refill

    print(f"Database: {common.database_label()}")
    common.migrate()
    started = time.perf_counter()
    if args.district:
        if not User.objects.filter(username="district").exists():
            sys.exit("No district in this database: seed it with benchmarks/seed.py (seed_demo --subdistricts 10).")
        subdistrict = Subdistrict.objects.get(name=demo.SUBDISTRICT)
        reader = User.objects.get(username=args.reader)
        common.analyze()  # as autovacuum would have since the seed (the seed analyses only what it loaded)
    else:
        subdistrict = common.seed_residents(args.residents).subdistrict
        written = care_demo.seed_care(subdistrict=subdistrict, days=args.days, seed=1, regulars_share=0.13)
        demo.ensure_accounts(subdistrict, demo.PASSWORD_DEFAULT)
        written += visits_demo.seed_visits(subdistrict=subdistrict)
        written += relief_demo.seed_cases(subdistrict=subdistrict)
        if not DueDate.objects.exists():  # seeded before the due dates were stored: as refill_due_dates does
            written += due_dates_refill()
        if written:
            common.analyze()
        reader = User.objects.get(username="leader")
    residents, meals = Resident.objects.count(), Meal.objects.count()
    print(f"seed: {residents:,} residents, {meals:,} meals in {time.perf_counter() - started:.1f} s; "
          f"reading as {reader.username}")

    client = common.client_for(reader)
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
    build_s, report = common.once(lambda: report_build(subdistrict=subdistrict, month=last))

    changes = _first_reads_after_changes(args.runs, subdistrict, client, args.district and reader.username != "leader")

    rows = []
    for label, warm, fresh in [("this month", now, now_cold),
                               (f"?month={last:%Y-%m} (as it stood at its end)", last_warm, last_cold)]:
        rows.append((f"GET /api/v1/dashboard/ {label}, cached", f"p50 {warm.p50:.0f} ms, p95 {warm.p95:.0f} ms"))
        rows.append((f"GET /api/v1/dashboard/ {label}, first call after a change",
                     f"p50 {fresh.p50:.0f} ms, p95 {fresh.p95:.0f} ms"))
    for label, (read, raw, queries) in changes.items():
        rows.append((f"GET /api/v1/dashboard/ this month, first call after {label} ({queries} queries)",
                     f"p50 {read.p50:.0f} ms, p95 {read.p95:.0f} ms; raw SQL p50 {raw.p50:.0f} ms "
                     f"(× {read.p50 / max(raw.p50, 0.01):.1f})"))
    rows.append(("GET /dashboard/ (page, cached)", f"p50 {page.p50:.0f} ms, p95 {page.p95:.0f} ms"))
    rows.append((f"monthly report pack {last:%Y-%m} (build + store, {report.size:,} bytes)",
                 f"{build_s * 1000:.0f} ms"))
    print()
    common.print_table([f"measure ({connection.vendor}, {residents:,} residents, {meals:,} meals)", "result"], rows)
    return 0


def _first_reads_after_changes(runs: int, subdistrict, client, client_is_district: bool = False) -> dict:
    """{kind of change: (timing of the first dashboard read after it, timing of its raw SQL, queries)}."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from assistance import services as relief
    from assistance.models import CaseState
    from elderly_care.models import Meal
    from elderly_care.services import meal_check_in
    from jiedao.models import User
    from residents.models import Grid, Resident, ServicePoint
    from residents.services import resident_update
    from visits.models import Method
    from visits.services import visit_record

    admin = User.objects.get(username="admin")
    operator = User.objects.get(username="point1")
    point = operator.service_point
    today = timezone.localdate()
    key = iter(Resident.objects.filter(community__subdistrict=subdistrict, status="active", care_tier="key")
               .order_by("?").values_list("pk", flat=True)[:runs + 1])
    eaten = Meal.objects.filter(date=today, meal="dinner", resident__isnull=False).values("resident_id")
    diners = iter(Resident.objects.filter(community__subdistrict=subdistrict, status="active",
                                          birth_date__lte=today.replace(year=today.year - 65))
                  .exclude(pk__in=eaten).order_by("?").values_list("pk", flat=True)[:runs + 1])
    anyone = iter(Resident.objects.filter(community__subdistrict=subdistrict, status="active")
                  .order_by("?").values_list("pk", flat=True)[:runs + 1])
    staff = User.objects.get(username="staff1")
    applicants = iter(Resident.objects.filter(community__in=staff.communities.all(), status="active")
                      .exclude(cases__isnull=False).order_by("?").values_list("pk", flat=True)[:runs + 1])
    assert ServicePoint.objects.filter(pk=point.pk, active=True).exists()

    def visit():
        visit_record(actor=admin, resident=Resident.objects.get(pk=next(key)), method=Method.PHONE,
                     notes="电话问候，一切正常")

    def check_in():
        meal_check_in(operator=operator, point=point, meal="dinner", resident=Resident.objects.get(pk=next(diners)))

    def resident_saved():
        resident = Resident.objects.get(pk=next(anyone))
        resident_update(actor=admin, resident=resident, data={"notes": f"{resident.notes} 已核实".strip()[:200]})

    def case_moved():
        # A case opened (and the figures read again), then moved on a step by the community: the step is
        # the change timed.
        case = relief.case_open(actor=staff, resident=Resident.objects.get(pk=next(applicants)), kind="temporary",
                                data={"reason": "生活困难", "household_size": 1, "monthly_income": Decimal("500"),
                                      "requested_amount": Decimal("1200")})
        read()
        relief.case_transition(actor=staff, case=case, to=CaseState.COMMUNITY_REVIEWED, comment="材料齐全")

    grids = list(Grid.objects.filter(community__subdistrict=subdistrict).order_by("community_id", "pk"))
    movers = iter(Resident.objects.filter(community__subdistrict=subdistrict, status="active")
                  .order_by("?").values_list("pk", flat=True)[:2 * runs + 2])  # two kinds of move
    tagged = iter(Resident.objects.filter(community__subdistrict=subdistrict, status="active")
                  .exclude(tag_links__tag="living_alone").order_by("?").values_list("pk", flat=True)[:runs + 1])

    def moved():
        # To a grid of the next community of the same sub-district, as its admin would.
        resident = Resident.objects.get(pk=next(movers))
        grid = next(g for g in grids if g.community_id > resident.community_id) if any(
            g.community_id > resident.community_id for g in grids) else grids[0]
        resident_update(actor=admin, resident=resident, data={"grid": grid, "household": None})

    def tag_given():
        resident = Resident.objects.get(pk=next(tagged))
        resident_update(actor=admin, resident=resident, data={"tags": [*resident.tag_codes, "living_alone"]})

    leader = common.client_for(User.objects.get(username="leader"))

    def moved_and_read_by_her_leader():
        # The district's figures share a community's counts with its sub-district's (reports.selectors.SHARED_CELLS):
        # what 和平里's leader counted after the move, the district reads.
        moved()
        assert leader.get("/api/v1/dashboard/").status_code == 200

    def read():
        response = client.get("/api/v1/dashboard/")
        assert response.status_code == 200, response.content[:500]

    out = {}
    for label, change in [("a visit", visit), ("a check-in", check_in), ("a resident saved", resident_saved),
                          ("a case transition", case_moved), ("a resident moved", moved),
                          ("a tag given", tag_given),
                          *([("a resident moved, read first by 和平里's leader", moved_and_read_by_her_leader)]
                            if client_is_district else [])]:
        read()  # warm: only what the change touches is counted afresh
        reads, raw = common.Timing(), common.Timing()
        for _ in range(runs):
            try:
                change()
            except StopIteration:
                break
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                read()
                reads.times.append((time.perf_counter() - started) * 1000)
            statements = [q["sql"] for q in queries.captured_queries]
            started = time.perf_counter()
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
                    if cursor.description is not None:  # not a BEGIN or a SAVEPOINT
                        cursor.fetchall()
            raw.times.append((time.perf_counter() - started) * 1000)
        if reads.times:
            out[label] = (reads, raw, len(statements))
        else:
            print(f"({label}: nothing in the seed to change, not timed)")
    return out


if __name__ == "__main__":
    sys.exit(main())
