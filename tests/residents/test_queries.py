"""The resident list runs a fixed number of queries, however many rows a page shows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(east1, east2):
    household = HouseholdFactory(grid=east1)
    for i in range(30):
        ResidentFactory(name=f"居民{i}", grid=east1 if i % 2 else east2, household=household,
                        tags=["dibao", "living_alone"] if i % 3 else [])


def _count(client, url):
    client.get(url)  # the first request caches the persona's scope on the (shared, test-only) user object
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("query", [
    "", "?tags=dibao,living_alone&age_min=60&search=jm", "?search=居民&ordering=-birth_date"])
def test_the_api_list_costs_the_same_for_5_or_50_rows(api, staff_east, many, query):
    client = api.as_(staff_east)
    sep = "&" if query else "?"
    small = _count(client, f"/api/v1/residents/{query}{sep}page_size=5")
    large = _count(client, f"/api/v1/residents/{query}{sep}page_size=50")
    assert small == large


def test_the_api_list_runs_three_queries(api, django_assert_num_queries, staff_east, many):
    client = api.as_(staff_east)
    # 1 the user's communities (scope), 2 count, 3 the page of residents with their tags. (A fresh user object,
    # as a real request would load.)
    client.force_authenticate(type(staff_east).objects.get(pk=staff_east.pk))
    with django_assert_num_queries(3):
        client.get("/api/v1/residents/?page_size=50")


def test_the_list_page_costs_the_same_for_5_or_50_rows(web, staff_east, many):
    client = web.as_(staff_east)
    url = reverse("residents:resident_list")
    assert _count(client, url + "?page_size=5") == _count(client, url + "?page_size=50")


def test_the_list_page_query_count_is_fixed(web, django_assert_num_queries, staff_east, many, east):
    client = web.as_(staff_east)
    # 1 session, 2 user, 3 the authenticator that verified the session, 4 scope communities, 5 the community
    # filter's lookup, 6 count, 7-8 the community and grid choices of the filter form, 9 page rows with their
    # place names and tags, 10 the unread reminders badge. (The idle timer is written at most once a minute.)
    with django_assert_num_queries(10):
        client.get(reverse("residents:resident_list") + f"?community={east.pk}&page_size=50")


def test_the_household_list_and_audit_list_do_not_grow_with_rows(web, staff_east, auditor, many, zhang):
    client = web.as_(staff_east)
    url = reverse("residents:household_list")
    assert _count(client, url + "?page_size=1") == _count(client, url + "?page_size=50")
    client = web.as_(auditor)
    url = reverse("audit_log")
    assert _count(client, url + "?page_size=1") == _count(client, url + "?page_size=50")


@pytest.mark.parametrize("url", ["/api/v1/communities/", "/api/v1/grids/", "/api/v1/households/"])
def test_the_place_api_lists_do_not_grow_with_rows(api, admin, east, url):
    from tests.factories import GridFactory

    client = api.as_(admin)
    for i in range(2):
        HouseholdFactory(grid=GridFactory(community=east, name=f"网格A{i}"))
    small = _count(client, url + "?page_size=1")
    assert small == _count(client, url + "?page_size=50")


def test_the_audit_api_list_does_not_grow_with_rows(api, auditor, staff_east, zhang):
    for _ in range(5):
        api.as_(staff_east).get(f"/api/v1/residents/{zhang.pk}/")
    client = api.as_(auditor)
    assert _count(client, "/api/v1/audit/?page_size=1") == _count(client, "/api/v1/audit/?page_size=50")


def test_a_resident_page_reads_as_much_for_a_household_of_thirty_with_cases_as_for_a_couple(web, staff_east, many,
                                                                                            east1):
    """王丽 opens 居民0 (a household of thirty, two of them with relief cases), then one of a couple with a case:
    the same queries, the household's members, cases, payments and tags read in a fixed number of them."""
    from residents.models import Resident
    from tests.assistance.factories import CaseFactory

    client = web.as_(staff_east)
    members = list(Resident.objects.filter(name__in=["居民0", "居民1"]).order_by("name"))
    couple = HouseholdFactory(grid=east1)
    wife, husband = (ResidentFactory(name=name, grid=east1, household=couple) for name in ("刘芳", "陈刚"))
    for member in [*members, husband]:
        CaseFactory(resident=member)
    large = _count(client, reverse("residents:resident_detail", args=[members[0].pk]))
    assert large == _count(client, reverse("residents:resident_detail", args=[wife.pk]))
    assert large == 14
