"""The meal list's export costs as many queries for 2 meals as for 40: its columns read plain values,
the point, the diner and their community included. Who reads the list is said once, for page and API."""

from datetime import date

import pytest

from elderly_care import services as care
from tests.factories import ResidentFactory, ServicePointFactory
from tests.workbooks import assert_export_queries_fixed

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/api/v1/meals/?format=xlsx"])
def test_an_export_runs_as_many_queries_for_2_rows_as_for_40(web, staff_east, admin, east, east1, url):
    canteen = ServicePointFactory(community=east, name="东园食堂")
    care.default_pricing_ensure(subdistrict=east.subdistrict)
    def add(count):
        for i in range(count):
            person = ResidentFactory(name=f"居民{i}", grid=east1, birth=date(1950, 1, 1), tags=["dibao"])
            care.meal_check_in(operator=admin, point=canteen, meal="lunch", resident=person)

    assert_export_queries_fixed(web.as_(staff_east), url, add)


@pytest.mark.parametrize("url", ["/api/v1/meals/", "/api/v1/meals/?format=xlsx", "/care/meals/",
                                 "/care/meals/?format=xlsx"])
@pytest.mark.parametrize("persona", ["auditor", "security"])
def test_the_auditor_and_the_security_admin_read_no_meals_on_the_page_or_the_api_alike(request, web, api, url,
                                                                                         persona):
    # One rule for the list (its ExportList's readers): page, API and export answer alike.
    user = request.getfixturevalue(persona)
    client = api.as_(user) if url.startswith("/api/") else web.as_(user)
    assert client.get(url).status_code == 403
