#!/usr/bin/env python
"""Reading a community ledger of 20,000 rows: python-calamine against openpyxl, and jiedao.ledger on top.

    .venv/bin/python benchmarks/ledger_read.py [--rows 20000] [--runs 3] [--keep ledger.xlsx]

Generates a ledger as offices keep them (a merged title row, a 填报单位 row, a two-level merged header:
住址 over 小区/楼栋/单元/房号 and 人员类别（打√） over 独居/空巢/失能, the estate merged down each block of
50 rows, 16 columns, dates as text and as dates, a total row), then times, first / best / worst of --runs:

- calamine: every cell of the sheet (to_python) and its merged ranges;
- openpyxl read-only: every cell (iter_rows, values only); read-only mode gives no merged ranges;
- openpyxl normal mode: every cell and the merged ranges (what a reader needing merges would have to use);
- jiedao.ledger: check_workbook + plan_ledger + read_ledger over the whole file (the chosen reader, calamine,
  with the header found, merges filled and rows cut into fields).

With --verdicts, also the verdict on every row (residents.ledger.classify) as staff1 for their community, on
benchmarks/ledger.sqlite3 (or DATABASE_URL) seeded with --residents demo residents; the ledger's first rows
are then that community's registered residents (updates), the rest new people.
"""

import argparse
import random
import resource
import sys
import tempfile
from datetime import date, datetime, timedelta

import common

ESTATES = ["东升苑", "洪兴新村", "栅堰小区", "和平里一区", "安贞西里", "青年湖小区"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "秀英桂兰建国志强丽娟玉芳明华春露国庆淑珍凤英德胜"


def make_ledger(path: str, rows: int, *, seed: int = 1, registered: list[tuple[str, str]] = ()) -> None:
    """A messy 20,000-row ledger (see the module docstring), written with XlsxWriter's constant-memory mode;
    its first rows are the `registered` (name, ID number) pairs."""
    import xlsxwriter

    from residents.id_numbers import make

    rnd = random.Random(seed)
    book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_numbers": False,
                                      "strings_to_formulas": False})
    sheet = book.add_worksheet("老年人台账")
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.merge_range(0, 0, 0, 15, "和平里街道东园社区老年人信息台账（2026年12月）")
    sheet.write_string(1, 0, "填报单位：东园社区居委会")
    sheet.write_string(1, 8, "填报时间：2026年12月1日")
    top = ["序号", "姓名", "身份证号码", "性别", "出生日期", "联系电话"]
    for c, title in enumerate(top):
        sheet.merge_range(2, c, 3, c, title)
    sheet.merge_range(2, 6, 2, 9, "住址")
    sheet.merge_range(2, 10, 2, 12, "人员类别（打√）")
    sheet.merge_range(2, 13, 3, 13, "年龄")
    sheet.merge_range(2, 14, 3, 14, "与户主关系")
    sheet.merge_range(2, 15, 3, 15, "备注")
    sheet.write_row(3, 6, ["小区", "楼栋", "单元", "房号", "独居", "空巢", "失能"])
    r = 4
    for block_start in range(0, rows, 50):
        block = min(50, rows - block_start)
        estate = rnd.choice(ESTATES)
        for i in range(block):
            n = block_start + i
            # One number per row: (birth date, sequence) never repeats for up to 2,000 × 10 rows.
            birth = date(1930, 1, 1) + timedelta(days=(n // 10) * 7 % (365 * 40))
            female = rnd.random() < 0.55
            number = make("110105", birth, (n % 10) * 2, female=female)
            name = rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN)
            if n < len(registered):
                name, number = registered[n]
            sheet.write_number(r, 0, n + 1)
            sheet.write_string(r, 1, f" {name} " if n % 37 == 0 else name)
            sheet.write_string(r, 2, number if n % 23 else number[:6] + " " + number[6:])
            sheet.write_string(r, 3, "女" if female else "男")
            spelling = n % 4
            if spelling == 0:
                sheet.write_datetime(r, 4, datetime(birth.year, birth.month, birth.day), day)
            elif spelling == 1:
                sheet.write_string(r, 4, f"{birth.year}.{birth.month}")
            elif spelling == 2:
                sheet.write_string(r, 4, f"{birth.year}年{birth.month}月{birth.day}日")
            else:
                sheet.write_string(r, 4, f"{birth:%Y/%m/%d}")
            sheet.write_string(r, 5, f"1{rnd.randrange(30, 99)}{rnd.randrange(0, 10**8):08d}")
            if i == 0:
                if block > 1:
                    sheet.merge_range(r, 6, r + block - 1, 6, estate)
                else:
                    sheet.write_string(r, 6, estate)
            sheet.write_string(r, 7, f"{rnd.randrange(1, 30)}幢")
            sheet.write_number(r, 8, rnd.randrange(1, 4))
            sheet.write_string(r, 9, f"{rnd.randrange(1, 7)}0{rnd.randrange(1, 4)}")
            for c in (10, 11, 12):
                sheet.write_string(r, c, "√" if rnd.random() < 0.2 else "")
            sheet.write_number(r, 13, (2020 if n % 10 == 0 else 2026) - birth.year)  # one in ten typed years ago
            sheet.write_string(r, 14, rnd.choice(["本人", "配偶", "户主", "子"]))
            sheet.write_string(r, 15, "")
            r += 1
    sheet.write_row(r, 0, ["合计", f"{rows}人"])
    book.close()


def read_calamine(path: str) -> int:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(path)
    sheet = book.get_sheet_by_name(book.sheet_names[0])
    rows = sheet.to_python(skip_empty_area=False)
    assert sheet.merged_cell_ranges
    return len(rows)


def read_openpyxl(path: str, *, read_only: bool) -> int:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=read_only, data_only=True)
    sheet = book.worksheets[0]
    count = sum(1 for _ in sheet.iter_rows(values_only=True))
    if not read_only:
        assert sheet.merged_cells.ranges
    book.close()
    return count


def read_jiedao(path: str) -> int:
    from jiedao.ledger import check_workbook, plan_ledger, read_ledger
    from residents.ledger import RESIDENT_FIELDS

    check_workbook(path)
    plans = plan_ledger(path, RESIDENT_FIELDS)
    return sum(1 for _ in read_ledger(path, plans))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", help="also save the generated ledger here")
    parser.add_argument("--verdicts", action="store_true", help="also time classify() on a seeded registry")
    parser.add_argument("--residents", type=int, default=20_000, help="residents seeded for --verdicts")
    common.add_database_arguments(parser)
    args = parser.parse_args()
    common.setup_django("ledger.sqlite3", allow_any_database=args.allow_any_database)
    import django

    django.setup()
    registered, actor, community = [], None, None
    if args.verdicts:
        from jiedao.models import User
        from residents.models import Resident

        common.migrate()
        common.seed_residents(args.residents)
        actor = User.objects.get(username="staff1")
        community = actor.communities.get()
        registered = [(r.name, r.id_number) for r in Resident.objects.filter(community=community)[: args.rows // 4]]
    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or f"{folder}/ledger.xlsx"
        made_s, _ = common.once(lambda: make_ledger(path, args.rows, registered=registered))
        results = []
        for label, call in [
            ("python-calamine: every cell + merged ranges", lambda: read_calamine(path)),
            ("openpyxl read-only: every cell (no merged ranges)", lambda: read_openpyxl(path, read_only=True)),
            ("openpyxl normal: every cell + merged ranges", lambda: read_openpyxl(path, read_only=False)),
            ("jiedao.ledger (calamine): check + plan + read every row", lambda: read_jiedao(path)),
        ]:
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            timing = common.timed(call, args.runs, warmup=0)
            grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
            results.append((label, " / ".join(f"{ms / 1000:.2f}" for ms in (timing.first, timing.best, timing.worst)),
                            f"{timing.result:,}", f"{grown:.0f} MB"))
        if args.verdicts:
            from collections import Counter

            from jiedao.ledger import plan_ledger, read_ledger
            from residents.ledger import RESIDENT_FIELDS, classify

            rows = list(read_ledger(path, plan_ledger(path, RESIDENT_FIELDS)))
            timing = common.timed(lambda: classify(actor=actor, community=community, rows=rows), args.runs, warmup=0)
            counts = Counter(v.action or v.outcome for v in timing.result)
            results.append((f"residents.ledger.classify as staff1 ({len(registered):,} registered in the ledger)",
                            " / ".join(f"{ms / 1000:.2f}" for ms in (timing.first, timing.best, timing.worst)),
                            ", ".join(f"{k} {n:,}" for k, n in sorted(counts.items())), ""))
        import os

        size = os.path.getsize(path) / 1e6
    common.print_table([f"reader ({args.rows:,} rows × 16 columns, {size:.1f} MB file, made in {made_s:.1f} s)",
                        f"first / best / worst of {args.runs} (s)", "rows", "peak memory growth"], results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
