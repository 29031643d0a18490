"""The one place workbooks are written (openpyxl, write-only: constant memory), so the writer can be
swapped after measuring. No cell is ever a formula made from user text."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# What spreadsheet programs read as the start of a formula (or of a DDE payload).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_sheet(stream: IO[bytes], *, title: str, columns: Sequence[tuple[str, int]], rows: Iterable[Sequence]) -> int:
    """Write one sheet: a bold, frozen header row of `columns` (header, width), then `rows`. Returns the
    number of data rows. Text is always text; dates are dates."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for index, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_cell(sheet, header, font=bold) for header, _ in columns])
    count = 0
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
        count += 1
    book.save(stream)
    return count


def _cell(sheet, value, font=None):
    if isinstance(value, datetime):
        value = value.replace(tzinfo=None)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never "f": "=HYPERLINK(...)" typed as a name stays the name
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True  # and Excel shows it as typed, without evaluating it
    elif isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    if font is not None:
        cell.font = font
    return cell
