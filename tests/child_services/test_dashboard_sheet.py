"""The dashboard's and the monthly pack's child-services sheet: per community with a total, each count opening
the list it was counted from, showing the same number."""

from datetime import timedelta

from django.utils import timezone

from assistance.choices import WishState
from child_services import services
from child_services.models import EnrolmentStatus
from tests.child_services.factories import (
    AttendanceFactory,
    EnrolmentFactory,
    ProgrammeFactory,
    SessionFactory,
    child_in,
)


def test_the_sheet_counts_programmes_places_enrolled_waiting_and_attendance(web, api, admin, early_class, west_hut,
                                                                            east1, west1, staff_east, operator):
    summer = ProgrammeFactory(point=west_hut, name="暑期绘画公益班", capacity=20, age_min_months=72,
                              age_max_months=144)
    ProgrammeFactory(point=west_hut, name="去年的班", starts_on=timezone.localdate() - timedelta(days=400),
                     ends_on=timezone.localdate() - timedelta(days=300))  # not running this month
    yu, bao, mi = (EnrolmentFactory(programme=early_class, child=child_in(east1)) for _ in range(3))
    waiting = EnrolmentFactory(programme=early_class, child=child_in(east1), status=EnrolmentStatus.WAITLISTED,
                               position=1, enrolled_at=None)
    EnrolmentFactory(programme=summer, child=child_in(west1, years=8))
    services.enrolment_withdraw(actor=staff_east, enrolment=mi)  # the waiting child moves up: 3 enrolled, 0 waiting
    waiting.refresh_from_db()
    assert waiting.status == EnrolmentStatus.ENROLLED
    session = SessionFactory(programme=early_class, starts_at=timezone.now() - timedelta(minutes=30),
                             ends_at=timezone.now())
    AttendanceFactory(session=session, enrolment=yu, present=True, recorded_by=operator)
    AttendanceFactory(session=session, enrolment=bao, present=False, recorded_by=operator)

    figures = api.as_(admin).get("/api/v1/dashboard/").json()
    sheet = next(a for a in figures["areas"] if a["key"] == "children")
    rows = {r["name"]: r for r in sheet["rows"]}
    programme_values = {key: rows["东园社区"]["values"][key] for key in
                        ("programmes", "places", "enrolled", "waiting", "came", "taken", "attendance_rate")}
    assert programme_values == {"programmes": 1, "places": 3, "enrolled": 3, "waiting": 0, "came": 1, "taken": 2,
                                "attendance_rate": 50.0}
    assert rows["西园社区"]["values"]["enrolled"] == 1 and rows["西园社区"]["values"]["places"] == 20
    assert rows["合计"]["values"]["programmes"] == 2 and rows["合计"]["values"]["places"] == 23
    client = web.as_(admin)
    checked = 0
    for row in sheet["rows"]:
        for column in sheet["columns"]:
            link = row["links"].get(column["key"])
            if column["measure"] is None:
                assert link is None
                continue
            shown = client.get(link).context["summary"][column["measure"]]
            assert shown == row["values"][column["key"]], (row["name"], column["label"], link)
            checked += 1
    # Four programme counts, three of nutrition rounds and one per wish state, × (two communities and the total).
    assert checked == (4 + 3 + len(WishState.values)) * 3


def test_the_sheet_counts_the_months_packs_and_the_childrens_wishes_by_state(web, api, admin, staff_east, gridder,
                                                                             east1):
    """刘小明 of 东一 is on a pack plan with a round due this month, and has a wish collected for him: the sheet
    counts both in 东园's row, and each figure opens its list showing the same number."""
    from decimal import Decimal

    from assistance.services import wish_collect
    from child_services.services import nutrition_run, plan_create

    child = child_in(east1, years=8)
    wish_collect(actor=gridder, resident=child, data={"wish": "一套水彩笔", "value": Decimal("60")})
    today = timezone.localdate()
    plan_create(actor=staff_east, child=child, worker=gridder, starts_on=today.replace(day=1),
                reason="家中困难，社区评估后纳入")
    nutrition_run(today=today)
    figures = api.as_(admin).get("/api/v1/dashboard/").json()
    sheet = next(a for a in figures["areas"] if a["key"] == "children")
    east_row = next(r for r in sheet["rows"] if r["name"] == "东园社区")
    assert east_row["values"]["packs_due"] >= 1 and east_row["values"]["wishes_collected"] == 1
    client = web.as_(admin)
    for key in ("packs_due", "wishes_collected"):
        shown = client.get(east_row["links"][key]).context["summary"]["count"]
        assert shown == east_row["values"][key], key
