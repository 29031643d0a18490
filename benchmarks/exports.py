#!/usr/bin/env python
"""The resident export at 100,000 rows, beside the bare writing of the same cells.

    python benchmarks/exports.py        # SQLite: benchmarks/bench.sqlite3 (the list benchmark's data)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiedao_bench python benchmarks/exports.py

Times, three times each (the first, best and worst are printed), as the sub-district admin (every
resident), through the whole stack (scope, FilterSet, masking, audit): GET
/api/v1/residents/?format=xlsx&status=all written during the request (EXPORT_ASYNC_THRESHOLD set above the
row count for this measure: page and API share the threshold, so at its default both would queue a job),
and the page's GET /residents/?format=xlsx&status=all queued as an export job (threshold 0, so at any
size; run in-process here, as with no REDIS_URL) that is then downloaded. Then jiedao.xlsx.write_sheet
alone on the same cells already in memory, and XlsxWriter's constant-memory mode on them for comparison.
Peak memory is read after the exports, before the cells are held in memory for the bare runs.
"""

import argparse
import io
import os
import resource
import sys

import common

RUNS = 3


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def xlsxwriter_bare(columns, rows) -> None:
    """The writer jiedao.xlsx replaced, on the same cells (what its module docstring compares with)."""
    from datetime import date, datetime

    import xlsxwriter

    book = xlsxwriter.Workbook(io.BytesIO(), {"constant_memory": True, "strings_to_formulas": False,
                                              "strings_to_urls": False, "in_memory": False})
    sheet = book.add_worksheet("bare")
    day, moment = book.add_format({"num_format": "yyyy-mm-dd"}), book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for index, (header, _) in enumerate(columns):
        sheet.write_string(0, index, header)
    for number, row in enumerate(rows, start=1):
        for index, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                sheet.write_string(number, index, value)
            elif isinstance(value, datetime):
                sheet.write_datetime(number, index, value.replace(tzinfo=None), moment)
            elif isinstance(value, date):
                sheet.write_datetime(number, index, datetime(value.year, value.month, value.day), day)
            else:
                sheet.write_number(number, index, value)
    book.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=100_000, help="residents to seed (default 100000)")
    common.add_database_arguments(parser)
    args = parser.parse_args()
    os.environ.pop("REDIS_URL", None)  # the page's export job runs in-process, timed with the request
    common.setup_django("bench.sqlite3", allow_any_database=args.allow_any_database)  # the list benchmark's data

    from django.conf import settings
    from django.db import connection

    from jiedao.exports import headers, sheet_rows
    from jiedao.models import ExportJob, User
    from jiedao.xlsx import write_sheet
    from residents.exports import RESIDENT_COLUMNS
    from residents.models import Resident

    settings.MEDIA_ROOT = common.HERE / "media"  # the job's file, not the project's media folder
    common.migrate()
    common.seed_residents(args.residents)
    client = common.client_for(User.objects.get(username="admin"))

    def api_export() -> int:
        settings.EXPORT_ASYNC_THRESHOLD = 10**9  # written now, whatever the size
        response = client.get("/api/v1/residents/?format=xlsx&status=all")
        assert response.status_code == 200, response.status_code
        return len(b"".join(response.streaming_content))

    def page_export() -> int:
        settings.EXPORT_ASYNC_THRESHOLD = 0  # a job, whatever the size
        response = client.get("/residents/?format=xlsx&status=all")
        assert response.status_code == 302, response.status_code
        job = ExportJob.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])
        assert job.state == "done", (job.state, job.error)
        download = client.get(f"/exports/{job.pk}/download/")
        size = len(b"".join(download.streaming_content))
        job.file.delete()
        return size

    api = common.timed(api_export, RUNS, warmup=0)
    page = common.timed(page_export, RUNS, warmup=0)
    export_peak = peak_mb()

    columns = headers(RESIDENT_COLUMNS)
    rows = list(sheet_rows(Resident.objects.all(), RESIDENT_COLUMNS))
    bare_s, _ = common.once(lambda: write_sheet(io.BytesIO(), title="bare", columns=columns, rows=rows))
    xlsxwriter_s, _ = common.once(lambda: xlsxwriter_bare(columns, rows))

    def first_best_worst(timing) -> str:  # in seconds
        return " / ".join(f"{ms / 1000:.1f}" for ms in (timing.first, timing.best, timing.worst))

    common.print_table([f"measure ({connection.vendor}, {len(rows):,} residents × {len(columns)} columns)", "result"], [
        (f"GET /api/v1/residents/?format=xlsx&status=all (whole stack; first, best, worst of {RUNS})",
         f"{first_best_worst(api)} s, {api.result / 1e6:.1f} MB file"),
        ("GET /residents/?format=xlsx&status=all: export job (in-process) and download (same)",
         f"{first_best_worst(page)} s, {page.result / 1e6:.1f} MB file"),
        ("jiedao.xlsx.write_sheet alone, the same cells in memory", f"{bare_s:.1f} s"),
        ("XlsxWriter constant-memory mode, the same cells", f"{xlsxwriter_s:.1f} s"),
        ("peak memory of the process after the two exports", f"{export_peak:.0f} MB"),
    ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
