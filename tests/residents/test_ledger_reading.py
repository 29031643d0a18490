"""Reading a community's ledger (台账): the file checked before it is opened, the sheets planned (header rows
found, columns mapped by their titles), the data rows read with merged cells filled; bad files refused in
Chinese, never a 500 or a hang. The shared sample and two ledgers of other designs (tests/residents/ledgers.py)."""

import io
import time
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from jiedao.ledger import (
    LedgerRefused,
    LedgerRow,
    check_workbook,
    ledger_date,
    plan_ledger,
    read_ledger,
    write_rejected,
    yes_mark,
)
from residents.ledger import RESIDENT_FIELDS
from tests.residents import ledgers


def plans_by_name(path, mapping=None):
    return {p.name: p for p in plan_ledger(path, RESIDENT_FIELDS, mapping)}


# ── the shared sample ──────────────────────────────────────────────────────────────────────────────────


def test_the_sample_is_read_past_its_title_and_without_its_notes_sheet():
    path = str(ledgers.SAMPLE)
    check_workbook(path)
    plans = plans_by_name(path)
    assert plans["填表说明"].skipped and "说明" in plans["填表说明"].why_skipped
    sheet = plans["困难老人"]
    assert not sheet.skipped and sheet.header_rows == (2,)
    assert {k: sheet.columns[i] for k, i in sheet.mapping.items()} == {
        "name": "姓名", "id_number": "公民身份号码", "gender": "性别", "birth_date": "出生日期", "age": "年龄",
        "phone": "手机号码", "address": "家庭住址", "living_alone": "独居", "empty_nest": "空巢", "dibao": "低保",
        "notes": "备注"}


def test_the_sample_gives_its_data_rows_only():
    import json

    path = str(ledgers.SAMPLE)
    rows = list(read_ledger(path, plan_ledger(path, RESIDENT_FIELDS)))
    expected = json.loads(ledgers.SAMPLE_EXPECTED.read_text())
    # No title, header, blank row, total row or notes sheet among them: exactly the rows the sample lists.
    assert [(r.sheet, r.row) for r in rows] == [(e["sheet"], e["row"]) for e in expected]
    assert rows[0].cells["name"] == "华根" and rows[0].raw[0] == 1  # whole numbers as int, not 1.0
    # Excel stored this ID number as a number: it comes as one, for the verdict to say so.
    assert isinstance(rows[1].cells["id_number"], int) and rows[1].cells["id_number"] >= 10**16


# ── ledgers of other designs ───────────────────────────────────────────────────────────────────────────


def test_a_two_level_merged_header_reads_the_lower_titles(tmp_path):
    path, expected, _ = ledgers.east_elders(tmp_path)
    plans = plans_by_name(path)
    assert plans["填表说明"].skipped
    sheet = plans["老年人"]
    assert sheet.header_rows == (3, 4)
    assert sheet.columns[5:12] == ["住址·小区", "住址·楼栋", "住址·单元", "住址·房号", "人员类别（打√）·独居",
                                   "人员类别（打√）·空巢", "人员类别（打√）·失能"]
    assert sheet.mapping == {"name": 1, "gender": 2, "birth_date": 3, "id_number": 4, "estate": 5, "building": 6,
                             "unit": 7, "room": 8, "living_alone": 9, "empty_nest": 10, "disabled_care": 11,
                             "phone": 12, "notes": 13}
    # Another office's sheet in the same book: other titles, another order, one 住址 column.
    family = plans["家庭成员"]
    assert family.header_rows == (3,)
    assert family.mapping == {"id_number": 0, "name": 1, "relationship": 2, "household_head": 3, "phone": 4,
                              "address": 5, "age": 6, "gender": 7, "dibao": 8, "birth_date": 9}


def test_an_estate_merged_down_its_block_is_every_rows_estate(tmp_path):
    path, expected, _ = ledgers.east_elders(tmp_path)
    rows = [r for r in read_ledger(path, plan_ledger(path, RESIDENT_FIELDS)) if r.sheet == "老年人"]
    assert [r.row for r in rows] == [row for (sheet, row) in expected if sheet == "老年人"]
    estates = {r.row: r.cells["estate"] for r in rows}
    # 一区 merged over rows 5–9, 二区 over 10–12 (12 is blank), 三区 over 13–15.
    assert estates == {5: "和平里一区", 6: "和平里一区", 7: "和平里一区", 8: "和平里一区", 9: "和平里一区",
                       10: "和平里二区", 11: "和平里二区", 13: "和平里三区", 14: "和平里三区", 15: "和平里三区"}
    assert ledger_date(rows[0].cells["birth_date"]).day == date(1941, 3, 2)  # a real date stays one


def test_the_total_row_and_the_signature_end_the_table(tmp_path):
    path, expected, _ = ledgers.east_elders(tmp_path)
    rows = list(read_ledger(path, plan_ledger(path, RESIDENT_FIELDS)))
    assert {(r.sheet, r.row) for r in rows} == set(expected)
    assert not any("合计" in str(r.raw) or "总计" in str(r.raw) or "填表人" in str(r.raw) for r in rows)


def test_titles_with_notes_in_brackets_an_empty_sheet_and_a_sheet_without_header(tmp_path):
    path, expected = ledgers.west_flat(tmp_path)
    plans = plans_by_name(path)
    assert plans["Sheet1"].header_rows == (3,)
    assert plans["Sheet1"].mapping["phone"] == 0 and plans["Sheet1"].mapping["id_number"] == 1
    assert plans["Sheet1"].mapping["categories"] == 4 and plans["Sheet1"].mapping["household_head"] == 9
    assert plans["Sheet2"].skipped and plans["Sheet2"].why_skipped == "空表，没有内容。"
    assert plans["Sheet3"].skipped and "没有找到表头" in plans["Sheet3"].why_skipped
    rows = list(read_ledger(path, list(plans.values())))
    assert {(r.sheet, r.row) for r in rows} == set(expected)  # the 小计 row is no data


def test_a_hand_mapping_wins_over_the_titles(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append(["姓名", "号码", "电话", "身份证号码"])  # 身份证号码 here holds something else
    sheet.append(["刘桂兰", ledgers.number(date(1941, 3, 2), 10, female=True), "13912345678", "旧号作废"])
    path = ledgers.save(book, tmp_path, "hand.xlsx")
    assert plans_by_name(path)["名单"].mapping["id_number"] == 3
    plans = plans_by_name(path, {"名单": {"id_number": 1}})
    assert plans["名单"].mapping == {"name": 0, "id_number": 1, "phone": 2}
    (row,) = read_ledger(path, list(plans.values()))
    assert row.cells["id_number"] == ledgers.number(date(1941, 3, 2), 10, female=True)


def test_a_sheet_whose_header_lacks_a_required_column_says_which(tmp_path):
    book = Workbook()
    book.active.append(["姓名", "联系电话", "住址"])
    book.active.append(["刘桂兰", "13912345678", "和平里一区3号楼"])
    path = ledgers.save(book, tmp_path, "no-id.xlsx")
    (plan,) = plan_ledger(path, RESIDENT_FIELDS)
    assert not plan.skipped and plan.missing == ("身份证号码",)


# ── values as ledgers write them ───────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("value", "day", "precision"), [
    (date(1950, 3, 2), date(1950, 3, 2), "day"),
    (datetime(1950, 3, 2, 14, 30), date(1950, 3, 2), "day"),
    (date(1950, 3, 1), date(1950, 3, 1), "month"),  # a real date shown as 1950年3月
    (datetime(1950, 3, 1), date(1950, 3, 1), "month"),
    ("1950-03-02", date(1950, 3, 2), "day"),
    ("1950/03/02", date(1950, 3, 2), "day"),
    ("1950/3/2", date(1950, 3, 2), "day"),
    ("1950.3.2", date(1950, 3, 2), "day"),
    ("1950年3月2日", date(1950, 3, 2), "day"),
    ("１９５０年３月２日", date(1950, 3, 2), "day"),
    ("1950-03-02 00:00:00", date(1950, 3, 2), "day"),
    ("19500302", date(1950, 3, 2), "day"),
    (19500302, date(1950, 3, 2), "day"),
    ("1950.3", date(1950, 3, 1), "month"),
    ("1950年3月", date(1950, 3, 1), "month"),
    ("195003", date(1950, 3, 1), "month"),
    (1950.3, date(1950, 3, 1), "month"),
    (1950.12, date(1950, 12, 1), "month"),
    ("1950年", date(1950, 1, 1), "year"),
    (1950, date(1950, 1, 1), "year"),
])
def test_dates_in_every_spelling(value, day, precision):
    read = ledger_date(value)
    assert (read.day, read.precision) == (day, precision)


def test_a_year_month_typed_as_a_number_may_have_been_october():
    # 1950.10 typed into a number cell is stored as 1950.1.
    assert ledger_date(1950.1).agrees_with(date(1950, 10, 5)) and ledger_date(1950.1).agrees_with(date(1950, 1, 5))


@pytest.mark.parametrize("value", ["9999-01-01", "1899-12-31", "0001-01-01", "1950-02-30", "1950.13", "昨天",
                                   "", None, True, "１" * 10_000, "1950\x00-03-02", 10**40, float("nan"),
                                   float("inf"), "٢٠٢٦-01-01"])
def test_what_is_no_date_is_none(value):
    assert ledger_date(value) is None


@pytest.mark.parametrize("mark", ["√", "✓", "✔", "☑", "是", "1", 1, "Y", "y", " 是 ", "有"])
def test_yes_marks(mark):
    assert yes_mark(mark) is True


@pytest.mark.parametrize("mark", ["否", "×", "0", 0, "", None, "N", "无", "  "])
def test_no_marks_and_blank(mark):
    assert yes_mark(mark) is False


@pytest.mark.parametrize("mark", ["待定", "2", 2, "√√x", "x" * 10_000])
def test_other_text_is_no_mark(mark):
    assert yes_mark(mark) is None


# ── files refused before they are opened ───────────────────────────────────────────────────────────────


def refused(path) -> str:
    started = time.monotonic()
    with pytest.raises(LedgerRefused) as caught:
        check_workbook(str(path))
    assert time.monotonic() - started < 10  # no hang
    reason = str(caught.value)
    assert reason and any("\u4e00" <= ch <= "\u9fff" for ch in reason)
    return reason


def test_a_file_that_is_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes("姓名,身份证号码\n刘桂兰,110105194103020106\n".encode())
    assert "不是 Excel 工作簿" in refused(path)


def test_an_old_xls_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "ledger.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)
    assert "另存为" in refused(path)


def test_a_zip_that_is_not_an_xlsx_is_refused(tmp_path):
    path = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("photo.jpg", b"\xff\xd8\xff" + b"0" * 100)
    assert "不是 Excel 工作簿" in refused(path)


def test_a_cut_off_workbook_is_refused(tmp_path):
    source = ledgers.SAMPLE.read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(source[: len(source) // 2])
    refused(path)


def test_a_zip_bomb_is_refused(tmp_path, settings):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>')
        with z.open("xl/worksheets/sheet1.xml", "w") as part:
            chunk = b"0" * (1 << 20)
            for _ in range(64):  # 64 MB of zeros in about 64 KB
                part.write(chunk)
    assert path.stat().st_size < 1024 * 1024
    assert "压缩炸弹" in refused(path)


def test_a_bomb_past_the_total_limit_is_refused_whatever_its_ratio(tmp_path, settings):
    settings.LEDGER_MAX_EXPANDED_BYTES = 100_000
    path, _, _ = ledgers.east_elders(tmp_path)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("xl/media/filler.bin", bytes(range(256)) * 1000)  # 256 KB that does not compress much
    assert "压缩炸弹" in refused(path)


def test_a_workbook_over_the_size_cap_is_refused(tmp_path, settings):
    settings.LEDGER_MAX_BYTES = 1000
    assert "文件过大" in refused(ledgers.SAMPLE)


def _with_doctype(tmp_path, part_name: str, source=ledgers.SAMPLE) -> str:
    """`source` with a billion-laughs DTD put into one of its parts (and used in place of 华根)."""
    lol = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    dtd = f'<!DOCTYPE x [<!ENTITY lol0 "lol">{lol}]>'
    path = tmp_path / "laughs.xlsx"
    with zipfile.ZipFile(source) as book, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in book.infolist():
            data = book.read(item.filename)
            if item.filename == part_name:
                text = data.decode()
                if text.startswith("<?xml"):
                    end = text.index("?>") + 2
                    text = text[:end] + dtd + text[end:]
                else:
                    text = dtd + text
                data = text.replace("华根", "&lol9;").encode()
            out.writestr(item, data)
    return str(path)


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet2.xml", "xl/styles.xml",
                                  "xl/_rels/workbook.xml.rels", "[Content_Types].xml"])
def test_a_billion_laughs_is_refused_in_any_part(tmp_path, part):
    source, _, _ = ledgers.east_elders(tmp_path)
    with zipfile.ZipFile(source) as z:
        assert part in z.namelist()
    assert "DOCTYPE" in refused(_with_doctype(tmp_path, part, source))


def test_a_workbook_with_a_doctype_is_not_expanded_by_the_reader_either(tmp_path):
    # Were check_workbook skipped (here: the file taken as checked), the reader itself expands nothing.
    from pathlib import Path

    from jiedao import ledger

    path = _with_doctype(tmp_path, "xl/worksheets/sheet1.xml")
    stat = Path(path).stat()
    ledger._CHECKED[(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)] = True
    started = time.monotonic()
    with pytest.raises(LedgerRefused):
        list(read_ledger(path, plan_ledger(path, RESIDENT_FIELDS)))
    assert time.monotonic() - started < 10


def test_a_good_workbook_passes(tmp_path):
    path, _, _ = ledgers.east_elders(tmp_path)
    assert check_workbook(path) is None


# ── the rejected rows, back to the office ──────────────────────────────────────────────────────────────


def test_the_rejected_rows_workbook_has_the_header_a_row_number_and_the_reason(tmp_path):
    header = ["序号", "姓名", "公民身份号码", "出生日期"]
    rows = [
        (LedgerRow("困难老人", 4, {}, [2, "张培芬", 330402193205038100, date(1932, 5, 3)]).raw,
         "身份证号码被 Excel 存成了数字"),
        ([11, "=HYPERLINK(\"http://x\")", None, "1939-02-02"], "缺少身份证号码"),
        ([1, "短行"], "缺少身份证号码"),
    ]
    path = write_rejected(rows, header, row_numbers=[4, 11, 12], directory=str(tmp_path))
    sheet = load_workbook(path).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("原表行号", "序号", "姓名", "公民身份号码", "出生日期", "原因")
    assert values[1][:3] == (4, 2, "张培芬") and values[1][-1] == "身份证号码被 Excel 存成了数字"
    assert values[2][2] == '=HYPERLINK("http://x")' and sheet["C3"].data_type == "s"  # text, never a formula
    assert values[3] == (12, 1, "短行", None, None, "缺少身份证号码")


def test_the_rejected_rows_workbook_reads_back_as_a_ledger(tmp_path):
    path = str(ledgers.SAMPLE)
    plans = plan_ledger(path, RESIDENT_FIELDS)
    rows = list(read_ledger(path, plans))[:3]
    out = write_rejected([(r, "原因") for r in rows], plans[0].columns, directory=str(tmp_path))
    assert [r[0] for r in load_workbook(out).active.iter_rows(min_row=2, values_only=True)] == [3, 4, 5]
    (plan,) = [p for p in plan_ledger(out, RESIDENT_FIELDS) if not p.skipped]
    again = list(read_ledger(out, [plan]))
    assert [r.cells["name"] for r in again] == [r.cells["name"] for r in rows]


def test_rejected_rows_from_two_sheets_say_which_sheet(tmp_path):
    rows = [(LedgerRow("老年人", 7, {}, ["刘桂兰", "1101"]), "校验位不符"),
            (LedgerRow("家庭成员", 9, {}, ["马奶奶", None]), "缺少身份证号码")]
    path = write_rejected(rows, ["姓名", "身份证号码"], directory=str(tmp_path))
    values = list(load_workbook(path).active.iter_rows(values_only=True))
    assert values == [("原工作表", "原表行号", "姓名", "身份证号码", "原因"),
                      ("老年人", 7, "刘桂兰", "1101", "校验位不符"), ("家庭成员", 9, "马奶奶", None, "缺少身份证号码")]


def test_an_upload_that_is_only_bytes_in_memory_is_checked_from_its_file(tmp_path):
    buffer = io.BytesIO()
    Workbook().save(buffer)
    path = tmp_path / "empty.xlsx"
    path.write_bytes(buffer.getvalue())
    check_workbook(str(path))
    (plan,) = plan_ledger(str(path), RESIDENT_FIELDS)
    assert plan.skipped and plan.why_skipped == "空表，没有内容。"


def test_an_exact_title_wins_over_a_near_one_and_a_cell_naming_two_fields_names_neither(tmp_path):
    book = Workbook()
    book.active.append(["户主身份证号码", "本人联系电话", "姓名", "身份证号码"])
    book.active.append([ledgers.number(date(1960, 6, 1), 30), "13912345678", "刘桂兰",
                        ledgers.number(date(1941, 3, 2), 10, female=True)])
    path = ledgers.save(book, tmp_path, "near.xlsx")
    (plan,) = plan_ledger(path, RESIDENT_FIELDS)
    assert plan.mapping == {"phone": 1, "name": 2, "id_number": 3}


def test_a_cell_far_away_is_refused_before_the_reader_would_hold_the_grid(tmp_path):
    # One cell at XFD1048576: a 5 KB file whose grid from A1 is 17 billion cells (calamine would abort).
    book = Workbook()
    book.active["A1"] = "姓名"
    book.active["XFD1048576"] = "x"
    path = ledgers.save(book, tmp_path, "far.xlsx")
    assert "范围过大" in refused(path)


def test_planning_an_unchecked_file_checks_it_first(tmp_path):
    book = Workbook()
    book.active["A1"] = "姓名"
    book.active["XFD1048576"] = "x"
    path = ledgers.save(book, tmp_path, "far.xlsx")
    with pytest.raises(LedgerRefused, match="范围过大"):
        plan_ledger(path, RESIDENT_FIELDS)  # not an abort of the process


def test_styled_empty_cells_far_down_do_not_count(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号码"])
    sheet.append(["刘桂兰", ledgers.number(date(1941, 3, 2), 10, female=True)])
    from openpyxl.styles import Font

    sheet["Z1048000"].font = Font(bold=True)  # formatting only: a self-closed <c/>
    path = ledgers.save(book, tmp_path, "styled.xlsx")
    with zipfile.ZipFile(path) as z:
        assert b'r="Z1048000"' in z.read("xl/worksheets/sheet1.xml")
    check_workbook(path)


def test_the_extent_is_read_across_chunk_boundaries(tmp_path, settings):
    settings.LEDGER_MAX_CELLS = 1000
    from jiedao import ledger

    for cut in range(0, 40):
        scan = ledger._Extent()
        xml = b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="900"><c r="C900" t="s"><v>2</v></c></row>'
        scan.feed(xml[:cut])
        scan.feed(xml[cut:])
        assert (scan.rows, scan.columns, scan.cells) == (900, 3, 2), cut
        with pytest.raises(LedgerRefused):
            scan.check()


def test_a_tag_of_a_megabyte_is_refused():
    from jiedao import ledger

    scan = ledger._Extent()
    scan.feed(b'<sheetData><row r="1"><c r="A1" x="')
    with pytest.raises(LedgerRefused):
        for _ in range(20):
            scan.feed(b"a" * 65536)



def test_merges_laid_over_one_another_many_times_are_refused(tmp_path, settings):
    settings.LEDGER_MAX_CELLS = 10_000
    book = Workbook()
    book.active.append(["姓名", "身份证号码"])
    book.active["CV100"] = "x"  # 100 × 100 cells
    plain = ledgers.save(book, tmp_path, "plain.xlsx")
    path = tmp_path / "merges.xlsx"
    merges = "".join(f'<mergeCell ref="A{1 + i}:CV100"/>' for i in range(3))  # spreadsheet programs refuse these
    with zipfile.ZipFile(plain) as z, zipfile.ZipFile(path, "w") as out:
        for item in z.infolist():
            data = z.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                tail = f'</sheetData><mergeCells count="3">{merges}</mergeCells>'.encode()
                data = data.replace(b"</sheetData>", tail)
            out.writestr(item, data)
    check_workbook(str(path))
    with pytest.raises(LedgerRefused, match="合并单元格过多"):
        plan_ledger(str(path), RESIDENT_FIELDS)


@pytest.mark.parametrize("hand", [{"id_number": 99}, {"id_number": -1}, {"id_number": "x"}, {"id_number": True},
                                  {"nonsense": 1}, {"id_number": "１"}, {"id_number": 10**40}, "not a dict",
                                  {"id_number": [1]}, {"id_number": 1.5}])
def test_a_hand_mapping_that_does_not_fit_is_left_out_never_an_error(tmp_path, hand):
    book = Workbook()
    book.active.title = "名单"
    book.active.append(["姓名", "号码", "身份证号码"])
    book.active.append(["刘桂兰", "x", ledgers.number(date(1941, 3, 2), 10, female=True)])
    path = ledgers.save(book, tmp_path, "hand.xlsx")
    (plan,) = plan_ledger(path, RESIDENT_FIELDS, {"名单": hand})
    assert plan.mapping == {"name": 0, "id_number": 2}


def test_a_hand_mapping_can_leave_a_column_out(tmp_path):
    book = Workbook()
    book.active.title = "名单"
    book.active.append(["姓名", "身份证号码", "备注"])
    path = ledgers.save(book, tmp_path, "hand.xlsx")
    (plan,) = plan_ledger(path, RESIDENT_FIELDS, {"名单": {"notes": None, "phone": "2"}})
    assert plan.mapping == {"name": 0, "id_number": 1, "phone": 2}
