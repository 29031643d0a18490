"""The one place workbooks are written, so the writer can be swapped after measuring.

XlsxWriter in constant-memory mode: rows go to disk as they come (memory stays flat at any size) and it
writes about twice as fast as openpyxl's write-only mode (../shared/STACK.md; benchmarks/exports.py).
No cell is ever a formula made from user text: `strings_to_formulas` is off, so "=HYPERLINK(...)" typed
as a name is stored as that text.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import IO

import xlsxwriter


def write_sheet(stream: IO[bytes], *, title: str, columns: Sequence[tuple[str, int]], rows: Iterable[Sequence]) -> int:
    """Write one sheet: a bold, frozen header row of `columns` (header, width), then `rows`. Returns the
    number of data rows. Text is always text; dates are dates."""
    return write_book(stream, [(title, columns, rows)])[0]


def write_book(stream: IO[bytes], sheets: Sequence[tuple[str, Sequence[tuple[str, int]], Iterable[Sequence]]]
               ) -> list[int]:
    """Write several sheets (title, columns, rows) in one workbook, each as write_sheet describes.
    Returns the number of data rows of each."""
    book = xlsxwriter.Workbook(stream, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False,
                                        "in_memory": False})
    bold = book.add_format({"bold": True})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    moment = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    counts = []
    for title, columns, rows in sheets:
        sheet = book.add_worksheet(title[:31])
        for index, (header, width) in enumerate(columns):
            sheet.set_column(index, index, width)
            sheet.write_string(0, index, header, bold)
        sheet.freeze_panes(1, 0)
        count = 0
        for count, row in enumerate(rows, start=1):
            for index, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    sheet.write_string(count, index, value)
                elif isinstance(value, datetime):
                    sheet.write_datetime(count, index, value.replace(tzinfo=None), moment)
                elif isinstance(value, date):
                    sheet.write_datetime(count, index, datetime(value.year, value.month, value.day), day)
                else:
                    sheet.write_number(count, index, value)
        counts.append(count)
    book.close()
    return counts
