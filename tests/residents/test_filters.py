"""Every resident filter, sent the same way to the page and the API, finds the same people."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from residents.models import Community, Resident
from tests.factories import GridFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def street(east1, east2, west1):
    """A small street of 东园 and 西园 residents with distinct traits to filter on."""
    today = timezone.localdate()
    return {
        "zhang": ResidentFactory(name="张春露", grid=east1, birth=date(today.year - 85, 1, 1), female=True,
                                 tags=["living_alone", "dibao"], care_tier="key", phone="13911112222"),
        "zeng": ResidentFactory(name="曾国华", grid=east1, birth=date(today.year - 70, 1, 1), female=False,
                                tags=["living_alone"], care_tier="regular", residence_type="floating"),
        "li": ResidentFactory(name="李秀英", grid=east2, birth=date(today.year - 60, 1, 1), female=True,
                              tags=["dibao"], phone="13800001111"),
        "wang": ResidentFactory(name="王建国", grid=west1, birth=date(today.year - 30, 6, 1), female=False),
        "gone": ResidentFactory(name="赵已迁", grid=east1, birth=date(1950, 1, 1), status="moved_out",
                                status_date=date(2026, 1, 1)),
    }


def _names(street, ids):
    by_pk = {r.pk: name for name, r in street.items()}
    return {by_pk[i] for i in ids}


def _both(web, api, user, query):
    api_ids = {r["id"] for r in api.as_(user).get(f"/api/v1/residents/?{query}&page_size=200").json()["results"]}
    page = web.as_(user).get(f"{reverse('residents:resident_list')}?{query}&page_size=200")
    assert page.status_code == 200
    page_ids = {r.pk for r in page.context["object_list"]}
    assert page_ids == api_ids, query
    return api_ids


@pytest.mark.parametrize("query, expected", [
    ("", {"zhang", "zeng", "li", "wang"}),
    ("community=EAST", {"zhang", "zeng", "li"}),
    ("grid=EAST2", {"li"}),
    ("tags=living_alone", {"zhang", "zeng"}),
    ("tags=living_alone,dibao", {"zhang"}),
    ("tags=dibao&community=EAST", {"zhang", "li"}),
    ("age_min=70", {"zhang", "zeng"}),
    ("age_max=60", {"li", "wang"}),
    ("age_min=60&age_max=70", {"zeng", "li"}),
    ("gender=F", {"zhang", "li"}),
    ("care_tier=key", {"zhang"}),
    ("residence_type=floating", {"zeng"}),
    ("status=moved_out", {"gone"}),
    ("status=all", {"zhang", "zeng", "li", "wang", "gone"}),
    ("search=张", {"zhang"}),
    ("search=春露", {"zhang"}),
    ("search=zhangchunlu", {"zhang"}),
    ("search=ZCL", {"zhang"}),
    ("search=zeng", {"zeng"}),             # 曾 as a surname reads zeng
    ("search=z", {"zhang", "zeng"}),
    ("search=LAST4", {"li"}),
    ("search=WHOLEID", {"wang"}),
    ("search=WHOLEIDLOWER", {"wang"}),
    ("search=1391111", set()),               # the start of a phone finds nobody: whole number or last four
    ("search=13911112222", {"zhang"}),
    ("search=2222", {"zhang"}),
    ("search=13800001111", {"li"}),
    ("search=不存在", set()),
])
def test_each_filter_gives_the_same_people_on_the_page_and_the_api(web, api, admin, street, east, east2, query,
                                                                   expected):
    query = (query.replace("EAST2", str(east2.pk)).replace("EAST", str(east.pk))
             .replace("LAST4", street["li"].id_number[-4:])
             .replace("WHOLEIDLOWER", street["wang"].id_number.lower())
             .replace("WHOLEID", street["wang"].id_number))
    assert _names(street, _both(web, api, admin, query)) == expected


def test_sorting_by_birth_date_puts_the_oldest_first(api, admin, street):
    data = api.as_(admin).get("/api/v1/residents/?ordering=birth_date").json()["results"]
    assert [r["name"] for r in data] == ["张春露", "曾国华", "李秀英", "王建国"]
    data = api.as_(admin).get("/api/v1/residents/?ordering=-birth_date").json()["results"]
    assert data[0]["name"] == "王建国"


def test_default_order_is_by_pinyin(api, admin, street):
    names = [r["name"] for r in api.as_(admin).get("/api/v1/residents/").json()["results"]]
    assert names == ["李秀英", "王建国", "曾国华", "张春露"]  # li, wang, zeng, zhang


def test_a_grid_worker_filtering_by_a_community_outside_scope_gets_400_not_its_residents(api, gridder, street, west):
    assert api.as_(gridder).get(f"/api/v1/residents/?community={west.pk}").status_code == 400


def test_the_page_shows_bad_filters_at_the_field_and_lists_nothing_wrong(web, admin, street):
    page = web.as_(admin).get(reverse("residents:resident_list") + "?age_min=old&tags=nope")
    assert page.status_code == 200
    form = page.context["filter_form"]
    assert "age_min" in form.errors and "tags" in form.errors
    assert "未知的选项" in form.errors["tags"][0]


def test_archived_residents_stay_in_the_database(street):
    assert Resident.objects.filter(status="moved_out").count() == 1


def test_a_masked_phone_cannot_be_read_digit_by_digit(web, api, staff_east, street):
    # An attacker who sees 139****2222 tries every prefix: none of them narrows anything down.
    phone = street["zhang"].phone
    for length in range(5, len(phone)):
        assert _both(web, api, staff_east, f"search={phone[:length]}") == set(), phone[:length]


def test_an_id_number_is_found_whole_or_by_its_last_four_only(web, api, admin, street):
    number = street["wang"].id_number
    assert _both(web, api, admin, f"search={number}") == {street["wang"].pk}
    assert street["wang"].pk in _both(web, api, admin, f"search={number[-4:]}")
    for length in range(5, 18):
        assert street["wang"].pk not in _both(web, api, admin, f"search={number[:length]}"), length


def _options(page, name):
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page.content.decode(), re.S).group(1)
    return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)


def test_the_place_selects_offer_the_readers_own_places_by_their_names(web, district, gridder, east1, east2, west1,
                                                                       qinglong_grid):
    """郑区局 of the district bureau picks a grid of any sub-district, each named as the grid names itself; 周网格
    the grid worker is offered his one grid and its community, and sees it chosen once he filters by it."""
    grids = sorted([east1, east2, west1, qinglong_grid], key=lambda grid: (grid.community_id, grid.name))
    page = web.as_(district).get(reverse("residents:resident_list"))
    assert _options(page, "grid") == [("", " selected", "全部")] + [(str(g.pk), "", str(g)) for g in grids]
    assert str(east1) == "东园社区 · 东一网格"
    assert _options(page, "community") == [("", " selected", "全部")] + [
        (str(c.pk), "", c.name) for c in Community.objects.all()]
    assert len(_options(page, "community")) == 1 + 3

    page = web.as_(gridder).get(f"{reverse('residents:resident_list')}?grid={east1.pk}")
    assert _options(page, "grid") == [("", "", "全部"), (str(east1.pk), " selected", "东园社区 · 东一网格")]
    assert _options(page, "community") == [("", " selected", "全部"), (str(east1.community_id), "", "东园社区")]


def test_more_grids_add_options_not_queries(web, district, east, east1):
    """A district of 800 grids draws its select from one query, as a street of one does."""
    url = reverse("residents:resident_list")
    web.as_(district).get(url)
    with CaptureQueriesContext(connection) as one:
        web.as_(district).get(url)
    GridFactory.create_batch(30, community=east)
    with CaptureQueriesContext(connection) as many:
        page = web.as_(district).get(url)
    assert len(_options(page, "grid")) == 1 + 31
    assert len(many.captured_queries) == len(one.captured_queries)
