"""Every workbook the portal writes: list exports through write_sheet, the monthly report pack through
write_book. Each can be swapped after measuring without its callers knowing.

A list export is one sheet of text, numbers and dates, so it is written here directly as SpreadsheetML:
the parts XlsxWriter writes for such a sheet (same styles, frozen header, column widths, inline strings),
streamed row by row with flat memory. On the 100,000 × 14 cells of the resident export
(benchmarks/exports.py) this takes 1.8 s and XlsxWriter's constant-memory mode 9 s: its per-cell checks
and regex escaping were most of the export's time. rustpy-xlsxwriter was about as fast as this but writes
every date as a date-time and is young; openpyxl's write-only mode is slower than XlsxWriter
(docs/stack-notes.md, "Excel", has the writers measured here). LibreOffice and openpyxl read the files
back cell for cell.

No cell is ever a formula: there is no code path that writes one, so "=HYPERLINK(...)" typed as a name
is stored as that text.
"""

import math
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO
from xml.sax.saxutils import quoteattr

import xlsxwriter

MAX_ROWS = 1_048_575  # Excel's 1,048,576 rows less the header: a longer sheet would not open
MAX_TEXT = 32_767  # Excel's limit for one cell
_EPOCH = date(1899, 12, 30).toordinal()
# What needs more than copying: XML's three specials, the control characters XML 1.0 forbids, a literal
# "_x0041_" (Excel would read it as an escaped "A"), and leading or trailing white space (kept only
# with xml:space="preserve").
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f]|_x[0-9A-Fa-f]{4}_|^\s|\s$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")

# Style indexes in styles.xml below.
_BOLD, _DAY, _MOMENT, _MONEY = 1, 2, 3, 4
# A Decimal is an amount of money here (every DecimalField of the project is in 元): it reads as money,
# thousands grouped and to the fen (3,000.00), and stays a number that sums.
MONEY_FORMAT = "#,##0.00"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<bookViews><workbookView/></bookViews>'
    '<sheets><sheet name={name} sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_FONT = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/>'
    f'<numFmt numFmtId="166" formatCode="{MONEY_FORMAT}"/></numFmts>'
    f'<fonts count="2"><font>{_FONT}</font><font><b/>{_FONT}</font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0"/></styleSheet>'
)
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<dimension ref="{extent}"/><sheetViews><sheetView tabSelected="1" workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft"/></sheetView></sheetViews>'
    '<sheetFormatPr defaultRowHeight="15"/>'
)
_SHEET_END = (
    '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    "</worksheet>"
)


class TooManyRows(ValueError):
    pass


def write_sheet(stream: IO[bytes], *, title: str, columns: Sequence[tuple[str, int]], rows: Iterable[Sequence]) -> int:
    """Write one sheet: a bold, frozen header row of `columns` (header, width), then `rows`. Returns the
    number of data rows. Text is always text; dates are dates; None and "" leave the cell empty."""
    letters = [_column_letter(i) for i in range(len(columns))]
    header = "".join(_cell(f"{letter}1", text, _BOLD) for letter, (text, _) in zip(letters, columns, strict=True))
    # The rows go to a temporary file first, because the sheet names its extent (<dimension>) before
    # them: readers such as openpyxl's read-only mode (and pandas through it) size the rows from it.
    with tempfile.TemporaryFile() as data:
        count = _write_rows(data, letters, rows)
        data.seek(0)
        with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as book:
            book.writestr("[Content_Types].xml", _CONTENT_TYPES)
            book.writestr("_rels/.rels", _ROOT_RELS)
            book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
            book.writestr("xl/workbook.xml", _WORKBOOK.format(name=quoteattr(_sheet_name(title))))
            book.writestr("xl/styles.xml", _STYLES)
            with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
                widths = "".join(f'<col min="{i}" max="{i}" width="{w + 0.7109375}" customWidth="1"/>'
                                 for i, (_, w) in enumerate(columns, start=1))
                extent = f"A1:{letters[-1]}{count + 1}" if letters else "A1"
                sheet.write(f'{_SHEET_START.format(extent=extent)}<cols>{widths}</cols><sheetData>'
                            f'<row r="1">{header}</row>'.encode())
                shutil.copyfileobj(data, sheet, 1 << 20)
                sheet.write(_SHEET_END.encode())
    return count


def _write_rows(out: IO[bytes], letters: list[str], rows: Iterable[Sequence]) -> int:
    count = 0
    pending = []
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise TooManyRows(f"超过 Excel 单表 {MAX_ROWS:,} 行的上限，请缩小筛选范围后再导出。")
        number = count + 1
        pending.append(f'<row r="{number}">')
        for letter, value in zip(letters, row, strict=True):
            # Text is most cells: written here rather than through _cell, a third of the time.
            if type(value) is str:
                if value:
                    special = _SPECIAL.search(value) or len(value) > MAX_TEXT
                    text = _text(value) if special else f"<t>{value}</t>"
                    pending.append(f'<c r="{letter}{number}" t="inlineStr"><is>{text}</is></c>')
            elif value is not None:
                pending.append(_cell(f"{letter}{number}", value))
        pending.append("</row>")
        if len(pending) > 20_000:  # some hundreds of rows at a time: few writes, little memory
            out.write("".join(pending).encode())
            pending.clear()
    out.write("".join(pending).encode())
    return count


def _cell(ref: str, value, style: int = 0) -> str:
    s = f' s="{style}"' if style else ""
    if isinstance(value, str):
        return f'<c r="{ref}"{s} t="inlineStr"><is>{_text(value)}</is></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, Decimal) and value.is_finite():
        return f'<c r="{ref}" s="{_MONEY}"><v>{value}</v></c>'
    if isinstance(value, int | Decimal | float):
        if isinstance(value, int) or math.isfinite(value):
            return f'<c r="{ref}"{s}><v>{value}</v></c>'
        return _cell(ref, str(value), style)
    if isinstance(value, datetime):  # local time as shown; Excel has no time zones
        seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return f'<c r="{ref}" s="{_MOMENT}"><v>{_excel_day(value) + seconds / 86400}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{_DAY}"><v>{_excel_day(value)}</v></c>'
    raise TypeError(f"Cannot write {type(value).__name__} to a sheet")


def _text(value: str) -> str:
    """<t> with the text escaped for XML and for Excel, white space kept, cut at Excel's limit."""
    value = _ESCAPED.sub(r"_x005F_\1", value[:MAX_TEXT])
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    return f'<t xml:space="preserve">{value}</t>'


def _excel_day(value: date) -> int:
    # Excel counts 29 February 1900, which never was: from 1 March 1900 on its serial is the number of
    # days since 30 December 1899, before that one less.
    day = value.toordinal() - _EPOCH
    return day if day >= 61 else day - 1


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _sheet_name(title: str) -> str:
    # Excel refuses these characters in a sheet name, and names over 31 characters.
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet1"


def write_book(stream: IO[bytes], sheets: Sequence[tuple[str, Sequence[tuple[str, int]], Iterable[Sequence]]]
               ) -> None:
    """A workbook of a few small sheets (title, columns (header, width), rows), each with a bold frozen
    header: the monthly report pack's cover and tables.

    Such a book is small, so layout matters more than speed: it is written with XlsxWriter rather than
    write_sheet's streaming SpreadsheetML. Text stays text here too: nothing is read as a formula, URL or
    number."""
    book = xlsxwriter.Workbook(stream, {"strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False, "in_memory": True})
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": MONEY_FORMAT})  # 7,007.20, not 7007.2
    for title, columns, rows in sheets:
        sheet = book.add_worksheet(title[:31])
        for index, (header, width) in enumerate(columns):
            sheet.set_column(index, index, width)
            sheet.write_string(0, index, header, bold)
        sheet.freeze_panes(1, 0)
        for number, row in enumerate(rows, start=1):
            for index, value in enumerate(row):
                if isinstance(value, str):
                    sheet.write_string(number, index, value, bold if value == "合计" else None)
                elif isinstance(value, Decimal):
                    sheet.write_number(number, index, float(value), money)
                elif value is not None:
                    sheet.write_number(number, index, value)
    book.close()
