"""钱领导 reads the dashboard's 志愿服务 sheet (and the monthly pack's): volunteers, who was active this month and for
how many hours, activities held, orders by state, how many were done on time and how they were rated, pairings and
how many were visited within their rhythm: per community, a row for what serves the whole sub-district
(街道（不分社区）) and the total. Every count opens the list it was counted from, showing the same number."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from jiedao.dates import day_range
from tests.factories import CommunityFactory
from tests.volunteers.factories import MembershipFactory, TeamFactory, VolunteerFactory
from volunteers import services
from volunteers.models import Activity, Attendance, HoursEntry, ServiceKind, ServiceOrder

pytestmark = pytest.mark.django_db


def _sheet(figures):
    return next(a for a in figures["areas"] if a["key"] == "volunteers")


def _rows(sheet):
    return {r["name"]: r["values"] for r in sheet["rows"]}


@pytest.fixture
def month_of_service(heping, east, west, admin, staff_east, gridder, team_leader, happy_team, xiaohong, west_team,
                     zhang, li, wang):
    """This month in 和平里: 幸福来敲门 (东园) did two orders for 张春露 and 李秀英, one on time and rated 5, one late
    and rated 3; a third order waits for dispatch; the whole sub-district's 邻里互助队 held a clean-up where 杨帆 (a
    volunteer of no community) served 2 hours; 陈小红 is paired with 张春露 (visited this week) and 孙送餐 with
    王建国 (not visited)."""
    now = timezone.now()
    cleaning = ServiceKind.objects.create(subdistrict=heping, name="上门保洁")
    liu = team_leader.volunteer

    def order_done(resident, late: bool, rating: int):
        order = services.order_create(actor=admin, resident=resident, service=cleaning,
                                      wanted_at=now + timedelta(days=1))
        services.order_transition(actor=admin, order=order, to="dispatched", team=happy_team,
                                  deadline=now + timedelta(days=2))
        services.order_transition(actor=team_leader, order=order, to="accepted")
        services.order_transition(actor=team_leader, order=order, to="done", note="已打扫",
                                  hours=[{"volunteer": xiaohong, "hours": "1.5"}, {"volunteer": liu, "hours": "1"}])
        if late:  # done after its deadline
            ServiceOrder.objects.filter(pk=order.pk).update(deadline=now - timedelta(minutes=5))
        services.order_transition(actor=staff_east, order=order, to="rated", rating=rating, comment="")
        return order

    order_done(zhang, late=False, rating=5)
    order_done(li, late=True, rating=3)
    services.order_create(actor=admin, resident=wang, service=cleaning, wanted_at=now + timedelta(days=3))

    helpers = TeamFactory(name="邻里互助队", community=None, subdistrict=heping)
    yang = VolunteerFactory(name="杨帆", community=None, subdistrict=heping)
    MembershipFactory(team=helpers, volunteer=yang)
    VolunteerFactory(name="郑雪", community=None, subdistrict=heping, status="paused")
    start, end = now - timedelta(hours=3), now - timedelta(hours=1)
    clean_up = services.activity_save(actor=admin, activity=Activity(
        team=helpers, name="楼道清理", place="东园社区", starts_at=start, ends_at=end, capacity=10))
    services.signup_add(actor=admin, activity=clean_up, volunteer=yang)
    services.attendance_record(actor=admin, activity=clean_up, volunteer=yang, checked_in_at=start,
                               checked_out_at=end)
    # Moved to today's first hours, so that it is this month's whenever the test runs.
    today = day_range(timezone.localdate(), timezone.localdate())[0]
    Activity.objects.filter(pk=clean_up.pk).update(starts_at=today, ends_at=today + timedelta(hours=2))
    Attendance.objects.filter(activity=clean_up).update(checked_in_at=today, checked_out_at=today + timedelta(hours=2))
    HoursEntry.objects.filter(activity=clean_up).update(date=timezone.localdate())

    kept = services.pairing_create(actor=staff_east, resident=zhang, volunteer=xiaohong,
                                   started_on=timezone.localdate() - timedelta(days=1))
    services.pairing_visit_record(actor=gridder, pairing=kept)
    services.pairing_create(actor=admin, resident=wang, volunteer=west_team.leader,
                            started_on=timezone.localdate())
    return {"yang": yang}


def test_the_sheet_counts_the_months_service_per_community_with_the_whole_sub_districts_row(api, leader,
                                                                                          month_of_service):
    sheet = _sheet(api.as_(leader).get("/api/v1/dashboard/").json())
    assert [r["name"] for r in sheet["rows"]] == ["东园社区", "西园社区", "街道（不分社区）", "合计"]
    rows = _rows(sheet)
    east, west, whole, total = rows["东园社区"], rows["西园社区"], rows["街道（不分社区）"], rows["合计"]
    # 刘队长 and 陈小红 of 东园 served the orders (5 hours in all); 孙送餐 of 西园 is registered but did nothing.
    assert (east["registered"], east["active"], east["served"], east["hours"]) == (2, 2, 2, "5.00")
    assert (west["registered"], west["served"], west["hours"]) == (1, 0, "0.00")
    # 杨帆 and 郑雪 (paused) have no community: 杨帆's clean-up and its team's activity are the sub-district's.
    assert (whole["registered"], whole["active"], whole["served"], whole["hours"], whole["activities"]) == (
        2, 1, 1, "2.00", 1)
    assert (total["registered"], total["active"], total["served"], total["hours"]) == (5, 4, 3, "7.00")
    assert (east["orders"], east["orders_rated"], west["orders"], west["orders_requested"]) == (2, 2, 1, 1)
    assert (east["done"], east["on_time"], east["on_time_rate"]) == (2, 1, 50.0)
    assert (east["rated"], east["rating"], total["rating"], west["rating"]) == (2, 4.0, 4.0, None)
    assert (east["pairings"], east["pairings_kept"], east["pairing_rate"]) == (1, 1, 100.0)
    assert (west["pairings"], west["pairings_kept"], west["pairing_rate"]) == (1, 0, 0.0)
    assert (total["pairings"], total["pairing_rate"]) == (2, 50.0)
    assert "按期走访" in sheet["note"] and "街道（不分社区）" in sheet["note"]


def test_every_count_of_the_sheet_opens_its_list_showing_the_same_number(api, web, leader, admin, month_of_service):
    for user in (leader, admin):
        sheet = _sheet(api.as_(user).get("/api/v1/dashboard/").json())
        client = web.as_(user)
        checked = 0
        for row in sheet["rows"]:
            for column in sheet["columns"]:
                link = row["links"].get(column["key"])
                if column["measure"] is None:  # a rate, from the two counts beside it
                    assert link is None
                    continue
                assert link, (row["name"], column["label"])
                shown = client.get(link).context["summary"][column["measure"]]
                assert str(shown) == str(row["values"][column["key"]]), (row["name"], column["label"], link)
                checked += 1
        assert checked == 17 * 4  # every count of the two communities, the whole sub-district's row and the total


def test_the_whole_sub_districts_row_opens_the_volunteers_of_no_community(web, api, leader, month_of_service):
    row = next(r for r in _sheet(api.as_(leader).get("/api/v1/dashboard/").json())["rows"]
               if r["name"] == "街道（不分社区）")
    assert "community=none" in row["links"]["registered"]
    listed = web.as_(leader).get(row["links"]["served"])
    assert [v.name for v in listed.context["object_list"]] == ["杨帆"]
    assert listed.context["summary"]["hours"] == "2.00" and "服务 2.00 小时" in listed.content.decode()


def test_the_bureau_reads_each_sub_districts_own_row_and_subtotal(api, web, district, month_of_service, qinglong,
                                                                   chen):
    VolunteerFactory(name="青龙志愿者", community=None, subdistrict=qinglong)
    figures = api.as_(district).get("/api/v1/dashboard/").json()
    sheet = _sheet(figures)
    names = [r["name"] for r in sheet["rows"]]
    assert names == ["和平里街道·东园社区", "和平里街道·西园社区", "和平里街道·街道（不分社区）", "和平里街道 小计",
                     "青龙街道·青龙社区", "青龙街道·街道（不分社区）", "青龙街道 小计", "合计"]
    rows = _rows(sheet)
    assert (rows["和平里街道 小计"]["registered"], rows["青龙街道 小计"]["registered"], rows["合计"]["registered"]) == (
        5, 1, 6)
    client = web.as_(district)
    for row in sheet["rows"]:
        if row["subtotal"] or row["name"].endswith("街道（不分社区）"):
            for key in ("registered", "served", "hours", "activities"):
                shown = client.get(row["links"][key]).context["summary"][next(
                    c["measure"] for c in sheet["columns"] if c["key"] == key)]
                assert str(shown) == str(row["values"][key]), (row["name"], key)
    from reports.selectors import one_subdistrict

    one = _sheet(one_subdistrict(figures, qinglong.pk))
    assert [r["name"] for r in one["rows"]] == ["青龙社区", "街道（不分社区）", "青龙街道 合计"]


def test_last_month_is_read_as_it_stood_and_states_have_no_list(api, leader, month_of_service):
    month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    sheet = _sheet(api.as_(leader).get(f"/api/v1/dashboard/?month={month:%Y-%m}").json())
    total = _rows(sheet)["合计"]
    assert (total["registered"], total["served"], total["hours"], total["orders"], total["pairings"]) == (
        0, 0, "0.00", 0, 0)
    assert all("orders_rated" not in r["links"] and "active" not in r["links"] for r in sheet["rows"])


def test_the_sheet_asks_the_same_questions_however_many_communities(api, leader, heping, month_of_service,
                                                                    django_assert_num_queries):
    from reports.selectors import _volunteers, Period, Community  # noqa: I001

    def count():
        communities = list(Community.objects.visible_to(leader).select_related("subdistrict"))
        with django_assert_num_queries(6):
            _volunteers(leader, communities, Period.of(timezone.localdate()))

    count()
    for n in range(5):
        place = CommunityFactory(subdistrict=heping, name=f"新社区{n}")
        VolunteerFactory(community=place)
    count()


def test_a_new_hour_is_counted_at_once_though_the_figures_are_cached(api, leader, admin, month_of_service):
    client = api.as_(leader)
    before = _rows(_sheet(client.get("/api/v1/dashboard/").json()))["合计"]["hours"]
    entry = month_of_service["yang"].hours.get()
    services.hours_adjust(actor=admin, entry=entry, hours="3", reason="签退时间记错")
    after = _rows(_sheet(client.get("/api/v1/dashboard/").json()))["合计"]
    assert (before, after["hours"]) == ("7.00", "8.00")
    assert Decimal(after["hours"]) == Decimal("8")


@pytest.mark.parametrize("query", ["served_from=9999-12-31", "served_to=0001-01-01", "registered_to=x",
                                   "community=nonee", "community=99999999999999999999", "served_to=2026-02-30"])
def test_a_wrong_filter_of_the_sheets_lists_is_a_message_not_an_error(web, admin, month_of_service, query):
    page = web.as_(admin).get(f"/volunteers/?{query}")
    assert page.status_code == 200 and page.context["summary"]["count"] == 0
    assert page.context["filterset"].errors


def test_a_nul_byte_in_the_sheets_filters_is_refused_whole(web, admin, month_of_service):
    assert web.as_(admin).get("/volunteers/?served_from=2026-01-01%00").status_code == 400


def test_the_bureau_filters_pairings_by_sub_district(web, district, month_of_service, heping, qinglong):
    client = web.as_(district)
    assert client.get(f"/volunteers/pairings/?subdistrict={heping.pk}").context["summary"]["count"] == 2
    assert client.get(f"/volunteers/pairings/?subdistrict={qinglong.pk}").context["summary"]["count"] == 0
    assert client.get("/volunteers/pairings/?subdistrict=999999").context["filterset"].errors


def test_an_order_done_late_is_not_on_time_and_one_not_done_is_neither(web, admin, month_of_service):
    client = web.as_(admin)
    counts = {flag: client.get(f"/volunteers/orders/?on_time={flag}").context["summary"]["count"]
              for flag in ("true", "false")}
    assert counts == {"true": 1, "false": 1}  # the order waiting for dispatch is in neither
    assert client.get("/volunteers/orders/?community=none").context["summary"]["count"] == 0
