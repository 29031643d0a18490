#!/usr/bin/env python
"""A residents' ledger of 20,000 rows through the whole import: upload, preview, commit, undo.

    python benchmarks/imports.py        # SQLite: benchmarks/bench-imports.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/jiedao_bench python benchmarks/imports.py

As the demo's staff1 (one community's staff), in-process as with no REDIS_URL (the Celery tasks run
where they are called): jiedao.imports.import_run_create (the check before opening, the sealed copy, the
preview task: sheets planned, rows read and classified by the residents' declaration, ImportRow written
in bulk), import_commit (one transaction: every accepted row checked, bulk-written in chunks, one audit
entry per resident), then import_undo. The ledger: new people (a household head and spouse per address),
up to 500 residents already registered in the community (updates: their name, a new phone), 500 rejected
(a bad check digit), 20,000 rows in all. The issue's bar: preview under 20 s, commit under 30 s. The reader is whichever
jiedao.ledger uses (benchmarks/ledger_read.py measures the readers themselves).
"""

import argparse
import io
import resource
import sys
import time
from datetime import date

import common

ROWS = 20_000


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ledger(registered: list[str], rows: int) -> bytes:
    from openpyxl import Workbook

    from residents import id_numbers

    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append(["姓名", "身份证号码", "联系电话", "小区", "楼栋", "单元", "房号", "户主", "与户主关系", "独居",
                  "低保", "备注"])
    updates, rejects = min(500, len(registered)), 500
    new = rows - updates - rejects
    for i in range(new):
        birth = date(1930 + i % 60, 1 + i % 12, 1 + i % 28)
        number = id_numbers.make(f"33{i // 1000 % 100:02d}99", birth, i % 1000, female=bool(i % 2))
        head = i % 2 == 0
        sheet.append(["孙" + "一二三四五六七八九十"[i % 10] + "华", number, f"139{i:08d}", "和平里新区",
                      str(i // 200 + 1), str(i // 20 % 10 + 1), str(i // 2 % 10 + 101), "是" if head else "",
                      "本人" if head else "配偶", "√" if i % 7 == 0 else "", "", ""])
    for i, (name, number) in enumerate(registered[:updates]):
        sheet.append([name, number, f"137{i:08d}", "", "", "", "", "", "", "", "", ""])
    for i in range(rejects):
        good = id_numbers.make("110105", date(1950, 1, 1), i, female=True)
        sheet.append(["错号", good[:17] + ("0" if good[17] != "0" else "1"), "", "", "", "", "", "", "", "", "", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common.add_database_arguments(parser)
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args()
    common.setup_django("bench-imports.sqlite3", allow_any_database=args.allow_any_database)

    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from jiedao.imports import import_commit, import_run_create, import_undo
    from jiedao.models import ImportRun, User
    from residents.imports import RESIDENTS
    from residents.models import Resident

    settings.MEDIA_ROOT = common.HERE / "media"
    common.migrate()
    common.seed_residents(2000)
    staff = User.objects.get(username="staff1")
    community = staff.communities.get()
    grid = community.grids.order_by("id").first()
    ImportRun.objects.filter(user=staff).exclude(status="committed").delete()
    for run in ImportRun.objects.filter(user=staff, status="committed"):  # an earlier, interrupted benchmark
        import_undo(actor=staff, run=run)
    registered = [(r.name, r.id_number) for r in Resident.objects.filter(community=community).order_by("id")[:500]]
    content = ledger(registered, args.rows)

    started = time.perf_counter()
    run = import_run_create(user=staff, import_list=RESIDENTS, params={"community": community.pk, "grid": grid.pk},
                            upload=SimpleUploadedFile("台账.xlsx", content))
    preview_s = time.perf_counter() - started
    if run.status != "preview":
        print(f"preview ended {run.status}: {run.error}")
        return 1
    started = time.perf_counter()
    run = import_commit(actor=staff, run=run)
    commit_s = time.perf_counter() - started
    if run.status != "committed":
        print(f"commit ended {run.status}: {run.error}")
        return 1
    started = time.perf_counter()
    import_undo(actor=staff, run=run)
    undo_s = time.perf_counter() - started

    common.print_table([f"measure ({connection.vendor}, {args.rows:,} rows, {len(content) / 1e6:.1f} MB)", "result"], [
        ("counts new / update / warning / rejected",
         f"{run.count_new} / {run.count_update} / {run.count_warning} / {run.count_rejected}"),
        ("upload + preview (bar: 20 s)", f"{preview_s:.1f} s"),
        ("commit (bar: 30 s)", f"{commit_s:.1f} s  ({run.created:,} created, {run.updated:,} updated)"),
        ("undo", f"{undo_s:.1f} s"),
        ("peak memory", f"{peak_mb():.0f} MB"),
    ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
