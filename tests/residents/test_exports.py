"""The resident list's export costs a fixed number of queries, for 2 residents or 40 and on the page or
the API: the columns read plain values, and every resident's tags come from one query for the whole
export."""

from datetime import date

import pytest

from tests.factories import ResidentFactory
from tests.workbooks import assert_export_queries_fixed, read_sheet

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/api/v1/residents/?format=xlsx&status=all",
                                 "/residents/?format=xlsx&tags=dibao&ordering=-birth_date"])
def test_an_export_runs_as_many_queries_for_2_rows_as_for_40(web, staff_east, east1, url):
    def add(count):
        for i in range(count):
            ResidentFactory(name=f"居民{i}", grid=east1, birth=date(1950, 1, 1), tags=["dibao"])

    assert_export_queries_fixed(web.as_(staff_east), url, add)


def test_the_resident_export_runs_four_queries(api, django_assert_num_queries, staff_east, east1):
    for i in range(30):
        ResidentFactory(name=f"居民{i}", grid=east1, tags=["dibao", "living_alone"] if i % 3 else [])
    client = api.as_(staff_east)
    client.get("/api/v1/residents/?format=xlsx")
    # How many rows (written now, or by a worker past EXPORT_ASYNC_THRESHOLD, as on the page); the
    # residents with their community and grid names; their tags (one semi-join on the same filter); the
    # audit entry.
    with django_assert_num_queries(4):
        rows, _ = read_sheet(client.get("/api/v1/residents/?format=xlsx"))
    assert len(rows) == 31 and sum(1 for r in rows if r[9] and "低保" in r[9]) == 20
