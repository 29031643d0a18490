#!/usr/bin/env python
"""The resident export at 100,000 rows, beside the bare writing of the same cells.

    python benchmarks/exports.py        # SQLite: benchmarks/bench.sqlite3 (the list benchmark's data)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiedao_bench python benchmarks/exports.py

Times, three times each (the first, best and worst are printed), as the sub-district admin (every
resident), through the whole stack (scope, FilterSet, masking, audit): GET
/api/v1/residents/?format=xlsx&status=all, written during the request, and the page's GET
/residents/?export=xlsx&status=all, which queues an export job (run in-process here, as with no
REDIS_URL) that is then downloaded. Then jiedao.xlsx.write_sheet alone on the same cells already in
memory, and XlsxWriter's constant-memory mode on them for comparison. Peak memory is read after the
exports, before the cells are held in memory for the bare runs.
"""

import argparse
import io
import os
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


RUNS = 3


def timed(run, runs: int) -> tuple[tuple[float, float, float], int]:
    """(first, best, worst) seconds of `runs` calls, and what the last returned."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return (times[0], min(times), max(times)), result


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
    import residents_list

    args = argparse.Namespace(allow_any_database="--allow-any-database" in sys.argv)
    residents_list.configure_environment(args)
    os.environ.pop("REDIS_URL", None)  # the page's export job runs in-process, timed with the request
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from jiedao.exports import headers, sheet_rows
    from jiedao.models import ExportJob, User
    from jiedao.xlsx import write_sheet
    from residents import demo
    from residents.exports import RESIDENT_COLUMNS
    from residents.models import Resident

    settings.MEDIA_ROOT = HERE / "media"  # the job's file, not the project's media folder
    call_command("migrate", verbosity=0, interactive=False)
    result = demo.seed(residents=100_000, seed=1)
    demo.ensure_accounts(result.subdistrict, demo.PASSWORD_DEFAULT)
    client = Client()
    client.force_login(User.objects.get(username="admin"))

    def api_export() -> int:
        response = client.get("/api/v1/residents/?format=xlsx&status=all")
        assert response.status_code == 200, response.status_code
        return len(b"".join(response.streaming_content))

    def page_export() -> int:
        response = client.get("/residents/?export=xlsx&status=all")
        assert response.status_code == 302, response.status_code
        job = ExportJob.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])
        assert job.state == "done", (job.state, job.error)
        download = client.get(f"/exports/{job.pk}/download/")
        size = len(b"".join(download.streaming_content))
        job.file.delete()
        return size

    api_s, api_size = timed(api_export, RUNS)
    page_s, page_size = timed(page_export, RUNS)
    export_peak = peak_mb()

    columns = headers(RESIDENT_COLUMNS)
    rows = list(sheet_rows(Resident.objects.all(), RESIDENT_COLUMNS))
    started = time.perf_counter()
    write_sheet(io.BytesIO(), title="bare", columns=columns, rows=rows)
    bare_s = time.perf_counter() - started
    started = time.perf_counter()
    xlsxwriter_bare(columns, rows)
    xlsxwriter_s = time.perf_counter() - started

    print(f"| measure ({connection.vendor}, {len(rows):,} residents × {len(columns)} columns) | result |")
    print("|---|---|")
    print(f"| GET /api/v1/residents/?format=xlsx&status=all (whole stack; first, best, worst of {RUNS}) | "
          f"{' / '.join(f'{s:.1f}' for s in api_s)} s, {api_size / 1e6:.1f} MB file |")
    print(f"| GET /residents/?export=xlsx&status=all: export job (in-process) and download (same) | "
          f"{' / '.join(f'{s:.1f}' for s in page_s)} s, {page_size / 1e6:.1f} MB file |")
    print(f"| jiedao.xlsx.write_sheet alone, the same cells in memory | {bare_s:.1f} s |")
    print(f"| XlsxWriter constant-memory mode, the same cells | {xlsxwriter_s:.1f} s |")
    print(f"| peak memory of the process after the two exports | {export_peak:.0f} MB |")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DEBUG", "1")
    sys.exit(main())
