"""王丽 exports her filtered resident list to plan the week's rounds: the same rows as the page and the
API, masked, never a formula, and written to the audit log. These are the export engine's own promises
(jiedao.exports), told through the resident list; the other lists export through their own filters the
same way. What each list's export costs in queries is tested with its app (tests/<app>/test_exports.py)."""

from datetime import date

import pytest
from django.urls import reverse

from jiedao.models import AuditEntry
from tests.factories import ResidentFactory, ServicePointFactory
from tests.workbooks import read_sheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def street(east1, east2, west1):
    return [
        ResidentFactory(name="张春露", grid=east1, birth=date(1941, 5, 2), female=True, tags=["living_alone"]),
        ResidentFactory(name="=HYPERLINK(\"http://x\")", grid=east1, birth=date(1950, 1, 1), notes="+86 来电"),
        ResidentFactory(name="李秀英", grid=east2, birth=date(1958, 8, 9), female=True),
        ResidentFactory(name="王建国", grid=west1, birth=date(1985, 1, 20)),
    ]


def test_the_page_and_the_api_export_the_same_rows_as_the_list(web, api, staff_east, street):
    query = "tags=living_alone"
    page_rows, sheet = read_sheet(web.as_(staff_east).get(reverse("residents:resident_list") + f"?{query}&format=xlsx"))
    api_rows, _ = read_sheet(api.as_(staff_east).get(f"/api/v1/residents/?{query}&format=xlsx"))
    listed = {r["name"] for r in api.as_(staff_east).get(f"/api/v1/residents/?{query}").json()["results"]}
    assert page_rows == api_rows
    assert page_rows[0][:3] == ("姓名", "性别", "年龄段") and sheet.freeze_panes == "A2"
    assert {row[0] for row in page_rows[1:]} == listed == {"张春露"}


def test_every_row_in_scope_not_one_page_masked_and_dated(api, staff_east, street, east1):
    for i in range(60):
        ResidentFactory(name=f"居民{i}", grid=east1)
    rows, _ = read_sheet(api.as_(staff_east).get("/api/v1/residents/?format=xlsx&page_size=5"))
    assert len(rows) - 1 == 63  # 东园's 63 residents; 王建国 of 西园 is not there
    zhang = next(r for r in rows if r[0] == "张春露")
    # Masked, with the age as its band beside the mask (never the birth date: tests/residents/test_masking.py).
    assert zhang[3].count("*") == 8 and zhang[4] == "139****5678" and zhang[2] == "85–89岁"
    assert "王建国" not in {r[0] for r in rows}


def test_text_that_looks_like_a_formula_stays_text(api, staff_east, street):
    rows, sheet = read_sheet(api.as_(staff_east).get("/api/v1/residents/?format=xlsx"))
    cell = next(c for c in sheet["A"] if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"
    notes = next(r for r in rows if r[0].startswith("=HYPERLINK"))[-1]
    assert notes == "+86 来电"


def test_each_export_is_audited_with_the_filters_and_row_count(web, staff_east, street):
    web.as_(staff_east).get(reverse("residents:resident_list") + "?tags=living_alone&format=xlsx")
    entry = AuditEntry.objects.get(action="export")
    assert entry.changes == {"list": "居民名册", "filters": {"tags": "living_alone"}, "rows": 1}
    assert entry.actor == staff_east


def test_a_refused_export_answers_in_json(api, staff_east, operator, street):
    bad = api.as_(staff_east).get("/api/v1/residents/?format=xlsx&age_min=old")
    assert bad.status_code == 400 and "age_min" in bad.json()
    assert api.as_(operator).get("/api/v1/residents/?format=xlsx").status_code == 403
    assert not AuditEntry.objects.filter(action="export").exists()


def test_visits_cases_and_meals_export_through_their_own_filters(api, web, staff_east, admin, zhang, li, heping,
                                                                 east):
    from assistance import services as relief
    from elderly_care import services as care
    from visits import services as visits

    visits.visit_record(actor=staff_east, resident=zhang, method="home", notes="=1+1")
    visits.visit_record(actor=staff_east, resident=li, method="phone")
    relief.case_open(actor=staff_east, resident=li, kind="temporary", data={"reason": "火灾"})
    care.default_pricing_ensure(subdistrict=heping)
    canteen = ServicePointFactory(community=east, name="东园食堂")
    care.meal_check_in(operator=admin, point=canteen, meal="lunch", resident=zhang)
    visit_rows, _ = read_sheet(api.as_(staff_east).get("/api/v1/visits/?format=xlsx&method=home"))
    assert [r[1] for r in visit_rows[1:]] == ["张春露"] and visit_rows[1][9] == "=1+1"
    page_rows, _ = read_sheet(web.as_(staff_east).get(reverse("visits:list") + "?method=home&format=xlsx"))
    assert page_rows == visit_rows
    case_rows, _ = read_sheet(api.as_(staff_east).get("/api/v1/cases/?format=xlsx"))
    assert [r[1] for r in case_rows[1:]] == ["李秀英"] and "*" in case_rows[1][2]
    meal_rows, _ = read_sheet(api.as_(staff_east).get("/api/v1/meals/?format=xlsx"))
    assert [(r[1], r[3], r[4], r[8]) for r in meal_rows[1:]] == [("东园食堂", "张春露", "东园社区", 6)]
    assert AuditEntry.objects.filter(action="export").count() == 4


def test_the_auditor_reads_an_export_in_chinese(web, staff_east, auditor, street):
    web.as_(staff_east).get(reverse("residents:resident_list") + "?tags=living_alone&format=xlsx")
    page = web.as_(auditor).get(reverse("audit_log") + "?action=export").content.decode()
    assert "<b>列表</b>：居民名册" in page and "<b>行数</b>：1" in page
    assert "<b>筛选条件</b>：tags=living_alone</div>" in page  # how the list is sent is no filter


@pytest.mark.django_db
def test_through_pgbouncer_an_export_reads_its_rows_a_chunk_at_a_time_in_the_lists_order(
        staff_east, east1, monkeypatch, django_assert_num_queries):
    """Behind PgBouncer there is no server-side cursor (DISABLE_SERVER_SIDE_CURSORS), and iterator() would
    fetch all of a district's million residents at once into the worker. 王丽 exports 东园's eight residents,
    three of them named alike so that the sort has ties: read three at a time, the sheet has every row once,
    in the order it has with a cursor."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jiedao import exports
    from residents.exports import RESIDENT_COLUMNS
    from residents.models import Resident
    from tests.factories import ResidentFactory

    for name in ["王芳", "王芳", "王芳", "李明", "张伟", "赵丽", "陈静", "刘洋"]:
        ResidentFactory(name=name, grid=east1)
    listed = Resident.objects.visible_to(staff_east).order_by("name_pinyin")
    with CaptureQueriesContext(connection) as one_read:
        with_cursor = list(exports.sheet_rows(listed, RESIDENT_COLUMNS))
    monkeypatch.setattr(exports, "CHUNK", 3)
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    # 3 + 3 + 2 rows: three reads where there was one (the third is short, so it is the last).
    with django_assert_num_queries(len(one_read) + 2):
        chunked = list(exports.sheet_rows(listed, RESIDENT_COLUMNS))
    assert chunked == with_cursor and len(chunked) == 8
    assert [row for row in exports.in_chunks(listed)] == list(listed)  # whole rows too (a list's objects)
