"""Reading an exported list back, for the export tests of every app: the rows and the sheet of a
workbook answer, and how many queries an export took."""

import io

from openpyxl import load_workbook


def read_sheet(response):
    """(rows, sheet) of an .xlsx answer, which must be one."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(book.active.iter_rows(values_only=True)), book.active


def export_queries(client, url) -> tuple[int, int]:
    """(queries, data rows) of exporting `url` once the client's persona is warmed up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # the first request caches the persona's scope on the (shared, test-only) user object
    with CaptureQueriesContext(connection) as ctx:
        rows, _ = read_sheet(client.get(url))
    return len(ctx.captured_queries), len(rows) - 1


def assert_export_queries_fixed(client, url, add) -> None:
    """Exporting `url` costs as many queries for 40 rows as for 2: `add(n)` makes n more rows of the list."""
    add(2)
    queries, rows = export_queries(client, url)
    add(38)
    more_queries, more_rows = export_queries(client, url)
    assert queries == more_queries and (rows, more_rows) == (2, 40)
