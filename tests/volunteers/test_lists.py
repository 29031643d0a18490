"""Each volunteer list is one FilterSet with three faces: the page, the API and the Excel give the same rows,
masked alike; each list asks a fixed number of queries."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.volunteers.conftest import dispatch
from tests.volunteers.factories import MembershipFactory, TeamFactory, VolunteerFactory
from tests.workbooks import assert_export_queries_fixed, read_sheet

pytestmark = pytest.mark.django_db


def _three(web, api, user, list_name, api_url, query):
    page = web.as_(user).get(f"{reverse(list_name)}?{query}")
    assert page.status_code == 200
    page_names = sorted(row.name for row in page.context["object_list"])
    api_names = sorted(row["name"] for row in api.as_(user).get(f"{api_url}?{query}&page_size=200").json()["results"])
    rows, _ = read_sheet(web.as_(user).get(f"{reverse(list_name)}?{query}&format=xlsx"))
    sheet_names = sorted(row[0] for row in rows[1:])
    assert page_names == api_names == sheet_names, query
    return page_names


@pytest.fixture
def roster(east, west, happy_team, xiaohong, west_team):
    VolunteerFactory(name="钱党员", community=east, party_member=True, skills="维修")
    return {"xiaohong": xiaohong}


@pytest.mark.parametrize("query, expected", [
    ("", ["刘队长", "孙送餐", "钱党员", "陈小红"]),
    ("party_member=true", ["刘队长", "钱党员"]),
    ("skills=维修", ["钱党员"]),
    ("name=小红", ["陈小红"]),
    ("phone=2222", ["陈小红"]),
    ("phone=13911112222", ["陈小红"]),
    ("phone=1391111", []),
    ("status=left", []),
])
def test_the_volunteer_list_page_api_and_export_agree(web, api, admin, roster, query, expected):
    assert _three(web, api, admin, "volunteers:volunteer_list", "/api/v1/volunteers/", query) == sorted(expected)


def test_the_volunteer_filters_by_community_and_team(web, api, admin, roster, east, happy_team):
    assert _three(web, api, admin, "volunteers:volunteer_list", "/api/v1/volunteers/",
                  f"community={east.pk}") == ["刘队长", "钱党员", "陈小红"]
    assert _three(web, api, admin, "volunteers:volunteer_list", "/api/v1/volunteers/",
                  f"team={happy_team.pk}") == ["刘队长", "陈小红"]


def test_the_export_masks_numbers_as_the_list_does(web, admin, roster):
    rows, _ = read_sheet(web.as_(admin).get("/volunteers/?format=xlsx&name=小红"))
    header, row = rows[0], rows[1]
    xiaohong = roster["xiaohong"]
    assert row[header.index("身份证号")] == xiaohong.id_number_masked
    assert row[header.index("联系电话")] == "139****2222"


def test_the_team_list_page_api_and_export_agree(web, api, admin, staff_east, roster, east):
    assert _three(web, api, admin, "volunteers:team_list", "/api/v1/teams/", "") == ["幸福来敲门", "筷乐送餐"]
    assert _three(web, api, admin, "volunteers:team_list", "/api/v1/teams/", f"community={east.pk}") == ["幸福来敲门"]
    assert _three(web, api, staff_east, "volunteers:team_list", "/api/v1/teams/", "") == ["幸福来敲门"]


def test_the_volunteer_list_asks_a_fixed_number_of_queries(web, admin, roster, east, django_assert_num_queries):
    browser = web.as_(admin)
    browser.get(reverse("volunteers:volunteer_list"))
    VolunteerFactory.create_batch(5, community=east)
    # Session, user, the authenticator (3); count, the page's volunteers with their community (2); the filter
    # form's community and team choices (2); the unread badge (1).
    with django_assert_num_queries(8):
        assert browser.get(reverse("volunteers:volunteer_list")).status_code == 200


def test_the_team_list_asks_a_fixed_number_of_queries(web, admin, roster, east, django_assert_num_queries):
    browser = web.as_(admin)
    for _ in range(4):
        MembershipFactory(team=TeamFactory(community=east))
    # Session, user, the authenticator (3); count, the teams with community and leader, their current
    # members (3); the filter form's community choices (1); the unread badge (1).
    with django_assert_num_queries(8):
        assert browser.get(reverse("volunteers:team_list")).status_code == 200


def test_exports_ask_as_many_queries_for_forty_rows_as_for_two(web, admin, east):
    assert_export_queries_fixed(web.as_(admin), "/volunteers/?format=xlsx",
                                lambda n: VolunteerFactory.create_batch(n, community=east))
    assert_export_queries_fixed(web.as_(admin), "/volunteers/teams/?format=xlsx",
                                lambda n: [MembershipFactory(team=TeamFactory(community=east)) for _ in range(n)])


@pytest.fixture
def orders(api, admin, gridder, staff_east, zhang, li, cleaning, happy_team):
    from volunteers import services

    made = [services.order_create(actor=staff_east, resident=r, service=cleaning,
                                  wanted_at=timezone.now()) for r in (zhang, li, zhang)]
    dispatch(api, admin, made[0], happy_team)
    return made


@pytest.mark.parametrize("query, expected", [
    ("", 3),
    ("state=requested", 2),
    ("state=dispatched", 1),
    ("state=requested,dispatched", 3),
    ("overdue=true", 0),
])
def test_the_order_list_page_api_and_export_agree(web, api, staff_east, orders, query, expected):
    page = web.as_(staff_east).get(f"/volunteers/orders/?{query}")
    page_ids = sorted(o.pk for o in page.context["object_list"])
    api_ids = sorted(o["id"] for o in api.as_(staff_east).get(f"/api/v1/service-orders/?{query}").json()["results"])
    rows, _ = read_sheet(web.as_(staff_east).get(f"/volunteers/orders/?{query}&format=xlsx"))
    assert page_ids == api_ids == sorted(r[0] for r in rows[1:]) and len(page_ids) == expected


def test_the_order_list_asks_a_fixed_number_of_queries(web, staff_east, orders, zhang, cleaning,
                                                       django_assert_num_queries):
    from volunteers import services

    browser = web.as_(staff_east)
    browser.get("/volunteers/orders/")
    for _ in range(5):
        services.order_create(actor=staff_east, resident=zhang, service=cleaning,
                              wanted_at=timezone.now())
    # Session, user, the authenticator (3); the staff member's communities (the scope, 1); count, the orders with
    # resident, service and team (2); the ratings' average (the summary, 1); the filter form's service, team and
    # community choices (3); the unread badge (1).
    with django_assert_num_queries(11):
        assert browser.get("/volunteers/orders/").status_code == 200


def test_a_team_leader_exports_no_orders(api, team_leader, orders):
    assert api.as_(team_leader).get("/api/v1/service-orders/?format=xlsx").status_code == 403
    assert [o["id"] for o in api.as_(team_leader).get("/api/v1/service-orders/").json()["results"]] == [orders[0].pk]
