"""jiedao/xlsx.py writes the sheet's XML itself: what it writes must read back as it was given."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from jiedao import xlsx


def _written(rows, columns=None):
    columns = columns or [(f"列{i}", 10) for i in range(len(rows[0]) if rows else 1)]
    stream = io.BytesIO()
    count = xlsx.write_sheet(stream, title="居民名册", columns=columns, rows=rows)
    return count, load_workbook(stream).active, load_workbook(stream, read_only=True).active


def test_values_come_back_as_they_went_in():
    row = ["张春露", date(1941, 5, 2), datetime(2026, 1, 2, 3, 4), 85, Decimal("12.50"), 1.5, True, None, "",
           date(1900, 1, 1)]
    count, sheet, _ = _written([row])
    assert count == 1
    got = [c.value for c in sheet[2]]
    assert got[:7] == ["张春露", datetime(1941, 5, 2), datetime(2026, 1, 2, 3, 4), 85, 12.5, 1.5, True]
    assert got[7:9] == [None, None] and got[9] == datetime(1900, 1, 1)
    assert sheet["B2"].number_format == "yyyy-mm-dd" and sheet["C2"].number_format == "yyyy-mm-dd hh:mm"


def test_text_stays_text_whatever_it_holds():
    tricky = ['=HYPERLINK("http://x","点")', "+86 来电", "@SUM(A1)", "<b>&amp;</b>", " 前后空格 ", "a\x01b",
              "_x0041_ 不是 A", "第一行\n第二行", "0012"]
    _, sheet, _ = _written([tricky])
    cells = sheet[2]
    assert all(c.data_type == "s" for c in cells)
    # openpyxl leaves Excel's _xHHHH_ escapes as they are: a control character comes back escaped, and a
    # literal "_x0041_" with its underscore escaped, so neither is mistaken for the other.
    assert [c.value for c in cells] == [*tricky[:5], "a_x0001_b", "_x005F_x0041_ 不是 A", *tricky[7:]]


def test_header_widths_frozen_pane_and_extent():
    _, sheet, streamed = _written([["张", 1], ["李", 2]], columns=[("姓名", 10), ("年龄", 6)])
    assert [c.value for c in sheet[1]] == ["姓名", "年龄"] and sheet["A1"].font.b
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["A"].width == pytest.approx(10.71, abs=0.01)
    assert (streamed.max_row, streamed.max_column) == (3, 2)  # read-only readers size rows from <dimension>
    assert sheet.title == "居民名册"


def test_an_empty_list_is_a_header_alone():
    count, sheet, _ = _written([], columns=[("姓名", 10)])
    assert count == 0 and [[c.value for c in r] for r in sheet.iter_rows()] == [["姓名"]]


def test_more_rows_than_excel_holds_are_refused(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 2)
    with pytest.raises(xlsx.TooManyRows, match="上限"):
        _written([["a"]] * 3)


def test_a_row_longer_than_the_header_is_a_mistake():
    with pytest.raises(ValueError):
        _written([["a", "b"]], columns=[("姓名", 10)])


def test_an_amount_reads_as_money_and_stays_a_number():
    """3000 元 shows as 3,000.00 in Excel (grouped, to the fen) and still sums."""
    _, sheet, _ = _written([[Decimal("3000.00"), Decimal("12.5"), 7]])
    assert [c.value for c in sheet[2]] == [3000, 12.5, 7]
    assert sheet["A2"].number_format == sheet["B2"].number_format == "#,##0.00"
    assert sheet["C2"].number_format == "General"  # a count is no money


def test_the_report_books_amounts_read_as_money_too():
    stream = io.BytesIO()
    xlsx.write_book(stream, [("发放", [("社区", 10), ("金额（元）", 10), ("笔数", 6)],
                              [["东园社区", Decimal("7007.20"), 3]])])
    sheet = load_workbook(stream).active
    assert sheet["B2"].value == 7007.2 and sheet["B2"].number_format == "#,##0.00"
    assert sheet["C2"].number_format == "General"
