"""The dashboard stays warm under the canteens' traffic: 吴服务 checks diners in all day, and 钱领导's next
look at the figures recounts today's meals only, never the month's earlier days; the month's distinct
diners are still distinct people (one who ate earlier in the month and again today is counted once)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from reports.selectors import Period, _meal_days
from tests.elderly_care.factories import MealFactory
from tests.factories import ResidentFactory, ServicePointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def canteen(east1):
    return ServicePointFactory(community=east1.community, name="东园老年食堂")


@pytest.fixture
def diners(east1, west1):
    return [ResidentFactory(name="张春露", grid=east1, birth=date(1938, 5, 2)),
            ResidentFactory(name="李秀英", grid=east1, birth=date(1950, 8, 9)),
            ResidentFactory(name="王建国", grid=west1, birth=date(1945, 1, 20))]


def _meal(canteen, operator, resident=None, on=None, meal="lunch", **more):
    return MealFactory(point=canteen, resident=resident, date=on or timezone.localdate(), meal=meal,
                       full_price=Decimal("15.00"), price=Decimal("6.00"), subsidy=Decimal("9.00"),
                       rule="60 岁以上", operator=operator, **more)


def _no_cache(name, compute):
    return compute()


def test_a_month_counted_in_two_slices_gives_the_distinct_diners_of_the_whole(leader, canteen, operator, diners,
                                                                                east1, west1):
    """A 'month' of six days ending today (any day of the calendar): earlier days and today, summed."""
    zhang, li, wang = diners
    today = timezone.localdate()
    for days, who, meal in [(5, zhang, "lunch"), (5, zhang, "dinner"), (2, li, "lunch"), (0, zhang, "lunch"),
                            (0, wang, "lunch"), (0, li, "dinner")]:
        _meal(canteen, operator, who, today - timedelta(days=days), meal)
    _meal(canteen, operator, guest=True, guest_id_number="110105195001010011", age=76, on=today - timedelta(days=1))
    _meal(canteen, operator, guest=True, guest_id_number="110105195001010011", age=76)  # the same guest again
    found = _meal_days(leader, [east1.community, west1.community],
                       Period(today - timedelta(days=5), today, today, True), _no_cache)
    east = found["values"][east1.community.pk]
    assert (east["meals"], east["diners"], east["paid"], east["subsidy"]) == (5, 2, Decimal("30.00"),
                                                                             Decimal("45.00"))
    assert found["values"][west1.community.pk]["diners"] == 1
    assert (found["others"]["meals"], found["others"]["diners"]) == (2, 1)
    assert (found["total"]["meals"], found["total"]["diners"]) == (8, 4)  # 张, 李, 王 and the guest


def test_a_check_in_today_recounts_today_only(api, leader, canteen, operator, diners, django_assert_num_queries):
    client = api.as_(leader)
    _meal(canteen, operator, diners[0])
    before = client.get("/api/v1/dashboard/").json()
    _meal(canteen, operator, diners[1])
    # the communities (1); today's meals, per community and the others' in one pass (1; the total is their
    # sum): the month's earlier days, and every other part, come from the cache
    with django_assert_num_queries(2):
        after = client.get("/api/v1/dashboard/").json()
    total = {r["name"]: r["values"] for r in after["areas"][2]["rows"]}["合计"]
    assert (total["meals"], total["diners"]) == (2, 2)
    assert [a for a in after["areas"] if a["key"] != "meals"] == [a for a in before["areas"] if a["key"] != "meals"]


def test_a_meal_entered_for_an_earlier_day_recounts_the_month(api, leader, canteen, operator, diners,
                                                              django_assert_num_queries):
    client = api.as_(leader)
    today = timezone.localdate()
    client.get("/api/v1/dashboard/")
    earlier = today - timedelta(days=1) if today.day > 1 else today.replace(day=1) - timedelta(days=1)
    _meal(canteen, operator, diners[0], earlier)
    # the communities (1); the earlier days' meals, of her community and the others' apart (2, none on the 1st:
    # they are last month's), and today's (1)
    with django_assert_num_queries(4 if today.day > 1 else 2):
        client.get("/api/v1/dashboard/")


def test_a_resident_whose_phone_is_corrected_starts_no_figure_afresh(api, leader, staff_east, diners,
                                                                     django_assert_num_queries):
    from residents.services import resident_update

    client = api.as_(leader)
    before = client.get("/api/v1/dashboard/").json()
    resident_update(actor=staff_east, resident=diners[0], data={"phone": "13800138000", "notes": "电话已核实"})
    with django_assert_num_queries(1):  # only the communities: every part comes from the cache
        assert client.get("/api/v1/dashboard/").json() == before


def test_a_resident_who_moved_away_is_counted_out_at_once(api, leader, staff_east, diners):
    from residents.services import resident_archive

    client = api.as_(leader)
    before = {r["name"]: r["values"] for r in client.get("/api/v1/dashboard/").json()["areas"][0]["rows"]}
    resident_archive(actor=staff_east, resident=diners[0], status="moved_out", on=timezone.localdate(), reason="搬走")
    after = {r["name"]: r["values"] for r in client.get("/api/v1/dashboard/").json()["areas"][0]["rows"]}
    assert after["合计"]["residents"] == before["合计"]["residents"] - 1


def test_an_overdue_elder_visited_leaves_the_overdue_list_at_once(api, leader, admin, heping, diners):
    from visits.services import default_rules_ensure, visit_record

    default_rules_ensure(subdistrict=heping)
    zhang = diners[0]
    zhang.care_tier, zhang.care_tier_since = "key", timezone.localdate() - timedelta(days=10)
    zhang.save()
    client = api.as_(leader)
    overdue = client.get("/api/v1/dashboard/").json()["overdue"]
    assert overdue["count"] == 2 and {i["overdue_days"] for i in overdue["items"]} == {10}
    visit_record(actor=admin, resident=zhang, method="phone", notes="电话问候")
    overdue = client.get("/api/v1/dashboard/").json()["overdue"]
    assert overdue["count"] == 1 and overdue["items"][0]["method"] == "上门探访"


def test_a_visit_today_recounts_today_s_visits_and_what_is_overdue_only(api, leader, admin, diners,
                                                                         django_assert_num_queries):
    from visits.services import visit_record

    client = api.as_(leader)
    before = client.get("/api/v1/dashboard/").json()
    visit_record(actor=admin, resident=diners[0], method="home", notes="上门看望")
    # the communities (1); today's visits: counts with the planned visits, those visited at home today, the
    # elders first visited among them (3); what is overdue: the most overdue stored dates with the count of all,
    # the dates of those never visited (2). The month's earlier days and every other part come from the cache.
    with django_assert_num_queries(6):
        after = client.get("/api/v1/dashboard/").json()
    total = {r["name"]: r["values"] for r in after["areas"][1]["rows"]}["合计"]
    was = {r["name"]: r["values"] for r in before["areas"][1]["rows"]}["合计"]
    assert (total["visits"], total["home"]) == (was["visits"] + 1, was["home"] + 1)
    assert after["compliance"]["visits"] == before["compliance"]["visits"] + 1


def test_an_elder_visited_earlier_in_the_month_and_again_today_is_visited_once(leader, admin, east1, west1):
    """A 'month' of six days ending today (any day of the calendar): the target elders visited at home."""
    from reports.selectors import _visit_days
    from visits.models import Visit

    now = timezone.now()
    alone = [ResidentFactory(name=f"独居{i}", grid=east1, birth=date(1940, 1, 1), tags=["living_alone"])
             for i in range(3)]
    for who, days in [(alone[0], 3), (alone[0], 0), (alone[1], 0), (alone[2], 4)]:
        Visit.objects.create(resident=who, method="home", visitor=admin, visited_at=now - timedelta(days=days))
    Visit.objects.create(resident=alone[2], method="phone", visitor=admin, visited_at=now)
    today = timezone.localdate()
    found = _visit_days(leader, [east1.community, west1.community],
                        Period(today - timedelta(days=5), today, today, True), _no_cache)
    east = found["values"][east1.community.pk]
    assert (east["visits"], east["home"], east["phone"]) == (5, 4, 1)
    assert (east["target"], east["target_visited"]) == (3, 3)  # 独居0 twice is one elder visited
    assert found["planned"] == {"total": 5, "on_time": 5}


def test_a_check_in_at_one_sub_districts_canteen_leaves_the_others_figures_warm(
        api, leader, other_admin, district, canteen, operator, diners, qinglong, django_assert_num_queries):
    """A district on one instance: 吴服务 checks a diner in at 和平里's 东园 canteen. 青龙街道's admin reads
    青龙's dashboard from the cache without a figure counted again; 钱领导 (和平里) and 郑区局 (the district)
    see the new meal."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def figures(who):
        return api.as_(who).get("/api/v1/dashboard/")  # (one client, signed in as each in turn)

    for who in (leader, other_admin, district):
        figures(who)
    with CaptureQueriesContext(connection) as warm:
        figures(other_admin)
    _meal(canteen, operator, diners[0])
    with django_assert_num_queries(len(warm)):  # as when nothing was written
        figures(other_admin)
    for who in (leader, district):
        rows = {r["name"]: r["values"] for r in figures(who).json()["areas"][2]["rows"]}
        assert rows["合计"]["meals"] == 1, who


def test_a_change_whose_sub_district_is_not_known_starts_every_scope_afresh(api, other_admin, qinglong,
                                                                            django_capture_on_commit_callbacks):
    """A bulk write (an import's residents, heard through rows_changed) names no sub-district: every scope's
    figures that read the table start afresh, 青龙's too."""
    from django.core.cache import cache

    from reports.selectors import figures_changed
    from residents.models import Resident

    api.as_(other_admin).get("/api/v1/dashboard/")
    mine = cache.get(f"figures:generation:population:subdistrict{qinglong.pk}")
    anywhere = cache.get("figures:generation:population:all")
    figures_changed(Resident)
    assert cache.get("figures:generation:population:all") != anywhere
    assert cache.get(f"figures:generation:population:subdistrict{qinglong.pk}") == mine  # (the first moved)


def test_a_resident_moved_within_heping_leaves_qinglongs_dashboard_warm_and_recounts_the_district(
        api, admin, other_admin, district, diners, east1, west1, qinglong_grid, django_assert_num_queries):
    """和平里's admin moves 张春露 from 东园 to 西园 (both 和平里's): 青龙's admin reads the same figures from the
    cache; the district bureau's, and 和平里's own, count her in 西园 at once."""
    from residents.services import resident_update

    ResidentFactory(name="青龙居民", grid=qinglong_grid)
    before = api.as_(other_admin).get("/api/v1/dashboard/").json()
    was = {r["name"]: r["values"]["residents"] for r in api.as_(district).get("/api/v1/dashboard/").json()
           ["areas"][0]["rows"]}
    resident_update(actor=admin, resident=diners[0], data={"grid": west1})
    api.as_(other_admin)
    with django_assert_num_queries(1):  # only the communities: every part comes from the cache
        again = api.get("/api/v1/dashboard/").json()
    assert again == before
    now = {r["name"]: r["values"]["residents"] for r in api.as_(district).get("/api/v1/dashboard/").json()
           ["areas"][0]["rows"]}
    east, west = f"和平里街道·{east1.community.name}", f"和平里街道·{west1.community.name}"
    assert (now[east], now[west]) == (was[east] - 1, was[west] + 1)
    assert now["合计"] == was["合计"]


def test_a_resident_moved_to_another_sub_district_recounts_both(api, leader, other_admin, diners, qinglong_grid):
    """No one person's scope holds both sub-districts' grids: the district's records move her (a save)."""
    def residents(user):
        return {r["name"]: r["values"]["residents"] for r in api.as_(user).get("/api/v1/dashboard/").json()
                ["areas"][0]["rows"]}

    heping_was, qinglong_was = residents(leader), residents(other_admin)
    zhang = diners[0]
    zhang.grid, zhang.community = qinglong_grid, qinglong_grid.community
    zhang.save()
    assert residents(leader)["合计"] == heping_was["合计"] - 1
    assert residents(other_admin)["合计"] == qinglong_was["合计"] + 1


def test_a_tag_given_or_taken_in_heping_leaves_qinglongs_dashboard_warm(
        api, admin, leader, other_admin, diners, qinglong_grid, django_assert_num_queries):
    """和平里's admin marks 李秀英 as living alone, then takes it back: 青龙's figures come from the cache each
    time; 和平里's leader counts the tag at once, and no longer once it is gone."""
    from residents.services import resident_update

    ResidentFactory(name="青龙居民", grid=qinglong_grid)

    def living_alone():
        rows = api.as_(leader).get("/api/v1/dashboard/").json()["areas"][0]["rows"]
        return {r["name"]: r["values"] for r in rows}["合计"]["living_alone"]

    before, alone = api.as_(other_admin).get("/api/v1/dashboard/").json(), living_alone()
    for tags, counted in ((["living_alone"], alone + 1), ([], alone)):
        resident_update(actor=admin, resident=diners[1], data={"tags": tags})
        api.as_(other_admin)
        with django_assert_num_queries(1):  # only the communities: every part comes from the cache
            assert api.get("/api/v1/dashboard/").json() == before
        assert living_alone() == counted


def test_a_resident_deleted_with_her_tags_reads_no_sub_district_per_tag(leader, east1, django_assert_num_queries):
    """Her own deletion starts every part afresh; the tags deleted with her are not each looked up."""
    few, many = (ResidentFactory(name=name, grid=east1, tags=tags) for name, tags in (
        ("刘一", ["dibao"]), ("刘五", ["dibao", "tekun", "living_alone", "disability", "empty_nest"])))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for resident in (few, many):
        with CaptureQueriesContext(connection) as ctx:
            resident.delete()
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


@pytest.fixture
def asked(monkeypatch):
    """For which communities each part's counts were asked of the database: {part: [ids, one set per count]}
    (None among them: what is in none of the scope's communities; "all": the whole scope). Today's slices of
    the visits and meals are counted for the whole scope, always (a day's rows are few): not recorded."""
    from reports import selectors

    found: dict = {}
    real = selectors._cached_cells

    def spy(name, user, period, communities, compute, rest):
        def counted(ids):
            found.setdefault(name, []).append("all" if ids is None else set(ids))
            return compute(ids)
        return real(name, user, period, communities, counted, rest)

    monkeypatch.setattr(selectors, "_cached_cells", spy)
    return found


@pytest.fixture
def south(heping):
    """和平里's third community, with a resident of its own: a change in 东园 or 西园 should not count it again."""
    from tests.factories import CommunityFactory, GridFactory

    grid = GridFactory(community=CommunityFactory(subdistrict=heping, name="南园社区"), name="南一网格")
    ResidentFactory(name="南园居民", grid=grid)
    return grid.community


def _own(asked: dict, who, district) -> dict:
    """What `who` counts of `asked` when 钱领导 read first: the district reads her counts of the parts shared
    between scopes."""
    from reports.selectors import SHARED_CELLS

    return {part: ids for part, ids in asked.items() if who != district or part not in SHARED_CELLS}


def _earlier_days() -> bool:
    """Whether this month has days before today (the month's earlier days are counted per community)."""
    return timezone.localdate().day > 1


def test_a_resident_moved_is_counted_again_in_the_two_communities_only(api, admin, leader, district, diners, east1,
                                                                         west1, south, asked):
    """赵管理 moves 张春露 from 东园 to 西园. 钱领导's next look counts 东园 and 西园 again, never 南园, nor what is in
    no community (the guests, the points of the whole sub-district): she stayed in 和平里. 郑区局's then counts only
    what is each scope's own (the meals, the children's, the volunteers'): the rest are 钱领导's counts."""
    from residents.services import resident_update

    for who in (leader, district):
        api.as_(who).get("/api/v1/dashboard/")
    # The leader's first look counts every community at once; the district's reads her population counts.
    assert asked["population"] == ["all"] and asked["meals" if _earlier_days() else "children"] == ["all", "all"]
    resident_update(actor=admin, resident=diners[0], data={"grid": west1})
    moved = {east1.community_id, west1.community_id}
    for who in (leader, district):
        asked.clear()
        rows = {r["community"]: r["values"] for r in api.as_(who).get("/api/v1/dashboard/").json()["areas"][0]["rows"]}
        assert asked == _own({"population": [moved], **({"visits": [moved], "meals": [moved]} if _earlier_days()
                                                        else {}), "cases": [moved], "children": [moved],
                              "volunteers": [moved]}, who, district), who
        assert (rows[east1.community_id]["residents"], rows[west1.community_id]["residents"],
                rows[south.pk]["residents"]) == (1, 2, 1)


def test_a_tag_given_is_counted_again_in_her_community_only(api, admin, leader, district, diners, east1, south,
                                                            asked):
    from residents.services import resident_update

    for who in (leader, district):
        api.as_(who).get("/api/v1/dashboard/")
    resident_update(actor=admin, resident=diners[1], data={"tags": ["living_alone"]})
    for who in (leader, district):
        asked.clear()
        rows = {r["community"]: r["values"] for r in api.as_(who).get("/api/v1/dashboard/").json()["areas"][0]["rows"]}
        assert asked == _own({"population": [{east1.community_id}],
                              **({"visits": [{east1.community_id}]} if _earlier_days() else {})}, who, district), who
        assert rows[east1.community_id]["living_alone"] == 1


def test_a_resident_registered_is_counted_in_her_community_only(api, admin, leader, diners, east1, south, asked):
    from residents import id_numbers
    from residents.services import resident_create

    api.as_(leader).get("/api/v1/dashboard/")
    resident_create(actor=admin, data={"name": "新来的", "grid": east1,
                                       "id_number": id_numbers.make("110105", date(1950, 3, 4), 71, female=True)})
    asked.clear()
    rows = {r["community"]: r["values"] for r in api.as_(leader).get("/api/v1/dashboard/").json()["areas"][0]["rows"]}
    assert asked["population"] == [{east1.community_id}] and "all" not in str(asked)
    assert rows[east1.community_id]["residents"] == 3


def test_a_guests_meal_of_an_earlier_day_counts_the_rest_again_only(api, leader, district, canteen, operator,
                                                                    diners, south, asked):
    """A guest has no community: her meal entered for yesterday is counted with the scope's rest (the row of
    guests and other sub-districts' residents); no community's meals are counted again."""
    for who in (leader, district):
        api.as_(who).get("/api/v1/dashboard/")
    today = timezone.localdate()
    earlier = today - timedelta(days=1) if _earlier_days() else today
    _meal(canteen, operator, guest=True, guest_id_number="110105195001010011", age=76, on=earlier)
    for who in (leader, district):
        asked.clear()
        meals = {r["name"]: r["values"] for r in api.as_(who).get("/api/v1/dashboard/").json()["areas"][2]["rows"]}
        assert asked == ({"meals": [{None}]} if _earlier_days() else {}), who
        assert meals["来宾及外街道居民"]["meals"] == 1


def test_a_case_moved_a_step_counts_her_communitys_cases_again_only(api, leader, district, other_admin, staff_east,
                                                                     diners, south, qinglong_grid, asked,
                                                                     django_assert_num_queries):
    """王丽 (东园) passes 李秀英's application on to the sub-district. 钱领导's and 郑区局's next looks count 东园's
    cases again, not 西园's or 南园's; 青龙街道's dashboard stays warm, as when nothing was written. The step's own
    row names her community through her case: it started every scope's cases afresh."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assistance import services as relief
    from assistance.models import CaseState

    case = relief.case_open(actor=staff_east, resident=diners[1], kind="temporary", data={
        "reason": "生活困难", "household_size": 1, "monthly_income": Decimal("500"),
        "requested_amount": Decimal("1200")})
    for who in (leader, district, other_admin):
        api.as_(who).get("/api/v1/dashboard/")
    with CaptureQueriesContext(connection) as warm:
        api.as_(other_admin).get("/api/v1/dashboard/")
    relief.case_transition(actor=staff_east, case=case, to=CaseState.COMMUNITY_REVIEWED, comment="材料齐全")
    with django_assert_num_queries(len(warm)):
        api.as_(other_admin).get("/api/v1/dashboard/")
    east = diners[1].community_id
    for who in (leader, district):
        asked.clear()
        cases = api.as_(who).get("/api/v1/dashboard/").json()["areas"][3]
        assert asked == _own({"cases": [{east}]}, who, district), who
        states = {r["kind"]: r["states"] for r in cases["by_kind"]}
        assert states["temporary"][CaseState.COMMUNITY_REVIEWED] == 1, who
