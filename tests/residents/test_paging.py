"""A list of a million costs what a list of fifty does (issue 17): the count is counted without a join or is
an estimate shown as such, and the pages past the first go on by cursor, never by skipping rows."""

import base64
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiedao import crypto, pagination
from jiedao.pagination import Estimate, Keyset, unfiltered
from residents.models import Resident
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the estimate is PostgreSQL's planner's")


@pytest.fixture
def register(east1, east2, west1):
    """Thirty residents of 和平里 in three grids, names sorting in the order they were made (居民00…居民29)."""
    grids = [east1, east2, west1]
    return [ResidentFactory(name=f"居民{i:02d}", grid=grids[i % 3]) for i in range(30)]


def _walk(client, url):
    """Every page of `url` by its `next` links: the ids in the order shown, and the number of pages."""
    ids, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    return ids, pages


def test_the_admin_walks_the_whole_register_by_cursor_each_resident_once(api, admin, register):
    ids, pages = _walk(api.as_(admin), "/api/v1/residents/?cursor=&page_size=7")
    assert ids == [r.pk for r in Resident.objects.filter(pk__in=[r.pk for r in register]).order_by("name_pinyin", "id")]
    assert pages == 5  # 7 + 7 + 7 + 7 + 2


def test_residents_registered_while_the_staff_pages_through_are_neither_doubled_nor_skipped(api, staff_east,
                                                                                          register, east1):
    client = api.as_(staff_east)
    first = client.get("/api/v1/residents/?cursor=&page_size=5").json()
    seen = [row["id"] for row in first["results"]]
    # While the first page is read, one resident sorting before it and one after it are registered, and one
    # not yet shown is moved out of the list: the next pages show each remaining resident once.
    Resident.objects.visible_to(staff_east).exclude(pk__in=seen).order_by("name_pinyin", "id").last().delete()
    before = ResidentFactory(name="阿安", grid=east1)
    after = ResidentFactory(name="居民99", grid=east1)
    rest, _ = _walk(client, first["next"])
    assert len(seen + rest) == len(set(seen + rest))
    assert before.pk not in rest  # it sorts before the cursor: the first page's, not a later one's
    assert after.pk in rest
    expected = Resident.objects.visible_to(staff_east).exclude(pk=before.pk).order_by("name_pinyin", "id")
    assert seen + rest == list(expected.values_list("pk", flat=True))


def test_cursor_pages_follow_the_sort_asked_for_newest_change_first(api, admin, register):
    client = api.as_(admin)
    ids, _ = _walk(client, "/api/v1/residents/?cursor=&page_size=4&ordering=-updated_at")
    assert ids == list(Resident.objects.order_by("-updated_at", "id").values_list("pk", flat=True))


def test_a_cursor_page_keeps_the_filters(api, admin, register, east1):
    ids, _ = _walk(api.as_(admin), f"/api/v1/residents/?cursor=&page_size=3&grid={east1.pk}")
    assert ids == list(Resident.objects.filter(grid=east1).order_by("name_pinyin", "id").values_list("pk", flat=True))


def _sealed(text: str, model=Resident) -> str:
    """A cursor of any content, sealed as the app seals its own: what someone holding the key could forge."""
    return base64.urlsafe_b64encode(crypto.seal_token(text.encode(), aad=Keyset(model.objects.all()).purpose)
                                    ).decode().rstrip("=")


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJ4IiwgMV0", "", "AAAA"])
def test_a_cursor_that_is_not_sealed_by_the_app_is_a_400_in_chinese(api, web, admin, register, cursor):
    # Not base64; base64 of [] and of ["x", 1] in the clear (no sealed cursor); an empty one is the first page.
    response = api.as_(admin).get(f"/api/v1/residents/?cursor={cursor}")
    if cursor == "":
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert response.json() == {"cursor": [pagination.CURSOR_MESSAGE]}
    assert web.as_(admin).get(reverse("residents:resident_list"), {"cursor": cursor}).status_code == 200


@pytest.mark.parametrize("text", ["[]", '["x"]', '["x", "abc"]', '["x", null]', '["a", Infinity]', '["a", 1e400]',
                                  '["a", NaN]', '["\\u0000", 1]', '["\\ud800", 1]', '["a", 99999999999999999999999999]',
                                  '{"a": 1}', "not json"])
def test_a_sealed_cursor_whose_values_are_no_sort_key_of_the_list_is_a_400_in_chinese(api, web, admin, register, text):
    # [] (too short); ["x"] (no id); ["x", "abc"] (an id that is no number); ["x", null]; and a reviewer's
    # forgeries: Infinity, 1e400, NaN, a NUL and a lone surrogate (where the control-character check of the
    # query string cannot see them), an id past 64 bits.
    cursor = _sealed(text)
    response = api.as_(admin).get(f"/api/v1/residents/?cursor={cursor}")
    assert response.status_code == 400
    assert response.json() == {"cursor": [pagination.CURSOR_MESSAGE]}
    assert web.as_(admin).get(reverse("residents:resident_list"), {"cursor": cursor}).status_code == 200


def test_a_cursor_carries_no_name_or_birth_date_and_serves_only_the_list_it_came_from(api, admin, register):
    """The cursor goes into URLs, and so into the browser's history and a proxy's log: the pinyin of the last
    name shown, or a birth date, is sealed in it, and a cursor of the residents opens no other list."""
    from volunteers.models import Volunteer

    client = api.as_(admin)
    cursors = []
    for ordering, shown in (("", lambda r: r.name_pinyin), ("birth_date", lambda r: r.birth_date.isoformat())):
        answer = client.get(f"/api/v1/residents/?cursor=&page_size=5&ordering={ordering}").json()
        cursor = answer["next"].split("cursor=")[1].split("&")[0]
        last = Resident.objects.get(pk=answer["results"][-1]["id"])
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        assert shown(last).encode() not in raw and shown(last) not in cursor
        assert client.get(answer["next"]).status_code == 200
        cursors.append(cursor)
    # The volunteers' list sorts by (name, id), the shape of the residents' (pinyin, id): the same values sealed
    # for the volunteers open their list, the residents' cursor does not (the seal names its table).
    values = Keyset(Resident.objects.all()).decode(cursors[0])
    assert client.get(f"/api/v1/volunteers/?cursor={Keyset(Volunteer.objects.all()).seal(values)}").status_code == 200
    stranger = client.get(f"/api/v1/volunteers/?cursor={cursors[0]}")
    assert stranger.status_code == 400 and stranger.json() == {"cursor": [pagination.CURSOR_MESSAGE]}


def _cut(cursor: str, size: int) -> str:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    return base64.urlsafe_b64encode(raw[:size]).decode().rstrip("=")


@pytest.mark.parametrize("size", [1, 5, 10, 17, 31, -1])
def test_a_real_cursor_cut_short_or_altered_is_a_400(api, admin, register, size):
    client = api.as_(admin)
    cursor = client.get("/api/v1/residents/?cursor=&page_size=5").json()["next"].split("cursor=")[1].split("&")[0]
    if size == -1:  # one bit of the sealed text flipped
        raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        raw[-1] ^= 1
        forged = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    else:
        forged = _cut(cursor, size)
    answer = client.get(f"/api/v1/residents/?cursor={forged}")
    assert answer.status_code == 400 and answer.json() == {"cursor": [pagination.CURSOR_MESSAGE]}


def test_an_account_whose_places_are_gone_lists_nothing_rather_than_failing(api, web, staff_east, register):
    """王丽's community was closed: her scope is empty, and the unfiltered list counts nothing (the estimating
    count had met Django's empty query and answered 500)."""
    staff_east.communities.clear()
    assert api.as_(staff_east).get("/api/v1/residents/").json()["count"] == 0
    assert web.as_(staff_east).get(reverse("residents:resident_list")).status_code == 200


def test_monthly_reports_page_by_cursor_in_the_order_of_their_sub_district(api, district, heping, qinglong):
    """The reports sort by sub-district (a relation): the cursor holds its id, as the keyset orders it."""
    from reports.models import MonthlyReport
    from tests.reports.factories import MonthlyReportFactory

    for subdistrict in (heping, qinglong):
        for month in (date(2026, 9, 1), date(2026, 10, 1)):
            MonthlyReportFactory(subdistrict=subdistrict, month=month)
    seen, url = [], "/api/v1/reports/?cursor=&page_size=1"
    while url:
        answer = api.as_(district).get(url)
        assert answer.status_code == 200, answer.content
        seen += [row["id"] for row in answer.json()["results"]]
        url = answer.json()["next"]
    assert sorted(seen) == sorted(MonthlyReport.objects.values_list("pk", flat=True)) and len(set(seen)) == 4


def test_the_bureaus_report_list_keeps_its_sub_districts_in_the_order_of_their_names(api, district, heping, qinglong):
    """丁香街道, registered last, sorts first by name: the numbered pages keep the reports' own sort (each month's
    sub-districts by name), which the cursor, holding the sub-district's id, cannot follow."""
    from reports.models import MonthlyReport
    from tests.factories import SubdistrictFactory
    from tests.reports.factories import MonthlyReportFactory

    dingxiang = SubdistrictFactory(name="丁香街道")
    for subdistrict in (heping, qinglong, dingxiang):
        MonthlyReportFactory(subdistrict=subdistrict, month=date(2026, 10, 1))
    listed = api.as_(district).get("/api/v1/reports/").json()["results"]
    by_id = MonthlyReport.objects.in_bulk([row["id"] for row in listed])
    assert [by_id[row["id"]].subdistrict.name for row in listed] == ["丁香街道", "和平里街道", "青龙街道"]


def test_page_numbers_end_where_the_cursor_takes_over(api, admin, register, monkeypatch):
    monkeypatch.setattr(pagination, "MAX_PAGE_NUMBER", 2)
    client = api.as_(admin)
    assert client.get("/api/v1/residents/?page=2&page_size=5").status_code == 200
    deep = client.get("/api/v1/residents/?page=3&page_size=5")
    assert deep.status_code == 400
    assert "cursor" in deep.json()["page"][0]
    assert client.get("/api/v1/residents/?page=last&page_size=5").status_code == 400  # 6 pages: past 2
    # The last numbered page's next link goes on by cursor, from the row after its last: every row once.
    seen = [r["id"] for n in (1, 2) for r in client.get(f"/api/v1/residents/?page={n}&page_size=5").json()["results"]]
    url = client.get("/api/v1/residents/?page=2&page_size=5").json()["next"]
    assert "cursor=" in url and "page=" not in url.replace("page_size", "")
    while url:
        answer = client.get(url).json()
        seen += [r["id"] for r in answer["results"]]
        url = answer["next"]
    assert seen == list(Resident.objects.order_by("name_pinyin", "id").values_list("pk", flat=True))


def test_the_list_page_goes_on_by_cursor_past_the_numbered_pages(web, admin, register, monkeypatch):
    import jiedao.views

    monkeypatch.setattr(jiedao.views, "MAX_PAGE_NUMBER", 2)
    client = web.as_(admin)
    url = reverse("residents:resident_list")
    second = client.get(url, {"page": 2, "page_size": 5})
    cursor = second.context["page_obj"].next_cursor
    assert cursor and f"cursor={cursor}" in second.content.decode()
    third = client.get(url, {"cursor": cursor, "page_size": 5})
    names = [r.name for r in third.context["object_list"]]
    assert names == [f"居民{i:02d}" for i in range(10, 15)]
    assert "共 30 条" in third.content.decode()
    # A page number past the numbered pages shows the last numbered one; the last page is read from the end.
    assert [r.name for r in client.get(url, {"page": 4, "page_size": 5}).context["object_list"]][0] == "居民05"
    last = client.get(url, {"page": "last", "page_size": 7})
    assert [r.name for r in last.context["object_list"]] == ["居民28", "居民29"]


def test_the_list_page_sorted_by_grid_goes_on_by_cursor_with_each_resident_once(web, admin, register, monkeypatch,
                                                                              django_assert_max_num_queries):
    """The page's rows carry their grid's name but no Grid (for_rows): the cursor after the last numbered page
    reads the last row's grid once, not a query per row."""
    import jiedao.views

    monkeypatch.setattr(jiedao.views, "MAX_PAGE_NUMBER", 2)
    client, url = web.as_(admin), reverse("residents:resident_list")
    seen = []
    for page in (1, 2):
        seen += [r.pk for r in client.get(url, {"ordering": "grid", "page": page, "page_size": 5})
                 .context["object_list"]]
    with CaptureQueriesContext(connection) as plain:
        client.get(url, {"page": 2, "page_size": 5})
    with django_assert_max_num_queries(len(plain) + 1):
        second = client.get(url, {"ordering": "grid", "page": 2, "page_size": 5})
    cursor = second.context["page_obj"].next_cursor
    while cursor:
        page = client.get(url, {"ordering": "grid", "cursor": cursor, "page_size": 5})
        seen += [r.pk for r in page.context["object_list"]]
        cursor = page.context["page_obj"].next_cursor
    by_grid = sorted(register, key=lambda r: (r.grid.name, r.name_pinyin, r.pk))
    assert seen == [r.pk for r in by_grid]


def test_a_bad_cursor_on_the_list_page_shows_the_first_page(web, admin, register):
    response = web.as_(admin).get(reverse("residents:resident_list"), {"cursor": "garbage", "page_size": 5})
    assert response.status_code == 200
    assert [r.name for r in response.context["object_list"]] == [f"居民{i:02d}" for i in range(5)]


def test_a_sub_district_admins_list_is_counted_on_the_residents_own_community_column(api, admin, register):
    # The count names the sub-district's communities by id (a subquery), never joins the communities to the
    # residents: PostgreSQL counts a join by reading the whole table (116 ms at a million).
    with CaptureQueriesContext(connection) as ctx:
        assert api.as_(admin).get("/api/v1/residents/").json()["count"] == 30
    count = next(q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper())
    assert "JOIN" not in count.upper()
    assert '"residents_resident"."community_id" IN (SELECT' in count


def test_a_community_staffs_scope_stays_in_their_sub_district(api, staff_east, register, qinglong_grid, east):
    # An account whose communities include one of another sub-district (moved without its places being
    # cleared) sees none of that one's residents: the sub-district check is in the ids themselves.
    stranger = ResidentFactory(name="外街道", grid=qinglong_grid)
    staff_east.communities.add(qinglong_grid.community)
    ids = {row["id"] for row in api.as_(staff_east).get("/api/v1/residents/?page_size=200").json()["results"]}
    assert stranger.pk not in ids
    assert ids == set(Resident.objects.filter(community=east).values_list("pk", flat=True))


def test_an_estimate_reads_as_one():
    assert str(Estimate(123_456)) == "约 12.3 万"
    assert str(Estimate(9_876)) == "约 9876"
    assert Estimate(5) + 1 == 6


def test_only_paging_and_sorting_leave_a_list_unfiltered():
    assert unfiltered({"page": "3", "page_size": "20", "ordering": "-updated_at", "cursor": "x", "community": ""})
    assert not unfiltered({"community": "5"})
    assert not unfiltered({"page": "2", "status": "all"})


def test_keyset_refuses_a_cursor_whose_date_is_no_date(register):
    keyset = Keyset(Resident.objects.order_by("-birth_date"))
    assert keyset.decode(keyset.encode(register[0]))[0] == register[0].birth_date
    assert keyset.decode(keyset.seal(["2026-13-40", 1])) is None


@on_postgresql
def test_the_whole_register_above_the_threshold_shows_an_estimate_and_a_filtered_list_its_exact_count(
        web, api, admin, register, east1, settings, django_assert_num_queries):
    settings.LIST_COUNT_ESTIMATE_ABOVE = 1  # the planner guesses low on thirty rows: any guess above one
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE residents_resident, residents_community")
    page = web.as_(admin).get(reverse("residents:resident_list"))
    assert isinstance(page.context["summary"]["count"], Estimate)
    assert "共 约 " in page.content.decode()
    body = api.as_(admin).get("/api/v1/residents/").json()
    assert body["count_estimated"] is True
    # A figure on the dashboard links to a filtered list: counted to the unit.
    filtered = web.as_(admin).get(reverse("residents:resident_list"), {"grid": east1.pk})
    assert filtered.context["summary"]["count"] == 10 and not isinstance(filtered.context["summary"]["count"], Estimate)
    assert "约" not in filtered.content.decode().split("共", 1)[1][:20]
    assert "count_estimated" not in api.as_(admin).get(f"/api/v1/residents/?grid={east1.pk}").json()


@on_postgresql
def test_a_list_under_the_threshold_is_counted_exactly_in_the_same_one_query(api, admin, register, settings):
    settings.LIST_COUNT_ESTIMATE_ABOVE = 1_000
    client = api.as_(admin)
    client.get("/api/v1/residents/")
    with CaptureQueriesContext(connection) as estimated:
        body = client.get("/api/v1/residents/").json()
    assert body["count"] == 30 and "count_estimated" not in body
    with CaptureQueriesContext(connection) as exact:
        client.get("/api/v1/residents/?status=active")
    assert len(estimated.captured_queries) == len(exact.captured_queries)


@pytest.mark.parametrize(("term", "found"), [("建国", {"王建国", "建国华"}), ("国", {"王建国", "建国华", "国庆"}),
                                             ("王建国", {"王建国"}), ("国建", set())])
def test_a_search_by_part_of_a_name_finds_it_anywhere_in_the_name_in_order(api, admin, east1, term, found):
    # On PostgreSQL the rows are found by the index of the names' characters, then LIKE keeps the order:
    # 国建 holds the characters of 王建国 but not in that order.
    for name in ("王建国", "建国华", "国庆", "李华"):
        ResidentFactory(name=name, grid=east1)
    body = api.as_(admin).get("/api/v1/residents/", {"search": term}).json()
    assert {row["name"] for row in body["results"]} == found


def test_residents_born_on_one_day_are_each_shown_once_across_numbered_pages_and_the_handover(
        api, web, admin, east1, monkeypatch):
    """Twelve residents born on 1950-03-02 tie on the sort asked for (出生日期): the numbered pages break the
    tie by id, as the cursor does, so that page 1, page 2 and the cursor after them show each of them once."""
    import jiedao.views

    born = [ResidentFactory(grid=east1, birth_date=date(1950, 3, 2)).pk for _ in range(12)]
    monkeypatch.setattr(pagination, "MAX_PAGE_NUMBER", 2)
    monkeypatch.setattr(jiedao.views, "MAX_PAGE_NUMBER", 2)
    client = api.as_(admin)
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/api/v1/residents/?ordering=birth_date&page=1&page_size=5").json()
    page_query = next(q["sql"] for q in queries.captured_queries if "LIMIT 5" in q["sql"] and "ORDER BY" in q["sql"])
    last_key = page_query.rsplit("ORDER BY", 1)[1].split("LIMIT")[0].split(",")[-1]
    assert last_key.split()[:2] == ['"residents_resident"."id"', "ASC"]
    second = client.get("/api/v1/residents/?ordering=birth_date&page=2&page_size=5").json()
    shown = [r["id"] for r in first["results"] + second["results"]]
    rest = client.get(second["next"]).json()
    assert shown + [r["id"] for r in rest["results"]] == sorted(born) and rest["next"] is None
    # The list page sorts its numbered pages the same way.
    page = web.as_(admin).get(reverse("residents:resident_list"), {"ordering": "birth_date", "page": 2, "page_size": 5})
    assert [r.pk for r in page.context["object_list"]] == sorted(born)[5:10]
