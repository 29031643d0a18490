"""The visit list's export costs as many queries for 2 visits as for 40: its columns read plain values,
the resident and visitor names included."""

from datetime import date

import pytest

from tests.factories import ResidentFactory
from tests.workbooks import assert_export_queries_fixed
from visits import services as visits

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/api/v1/visits/?format=xlsx"])
def test_an_export_runs_as_many_queries_for_2_rows_as_for_40(web, staff_east, east1, url):
    def add(count):
        for i in range(count):
            person = ResidentFactory(name=f"居民{i}", grid=east1, birth=date(1950, 1, 1), tags=["dibao"])
            visits.visit_record(actor=staff_east, resident=person, method="phone")

    assert_export_queries_fixed(web.as_(staff_east), url, add)
