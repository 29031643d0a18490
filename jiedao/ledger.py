"""Reading the offices' own Excel ledgers (台账): the generic engine every importable list declares its
columns to (residents/ledger.py declares the residents'), knowing nothing of what a row means.

1. `check_workbook(path)` before anything opens the file: not over LEDGER_MAX_BYTES, a real .xlsx (a zip
   holding xl/workbook.xml), every part decompressed for real (never trusting the sizes the zip claims) and
   stopped past LEDGER_MAX_EXPANDED_BYTES or a compression ratio no spreadsheet has (a zip bomb), and no part
   with a DOCTYPE (entity expansion, "billion laughs"), nor a sheet whose cells reach so far that the grid
   from A1 would not fit in memory (LEDGER_MAX_CELLS: one cell at XFD1048576 in a 5 KB file makes calamine ask
   for 512 GB and abort the whole process): refused with LedgerRefused, whose text is the Chinese reason shown
   to the user. workbook.xml itself is parsed with defusedxml (DTDs forbidden).
2. `plan_ledger(path, fields)` finds, per sheet, the header row(s) and maps columns to fields by their titles
   and synonyms: past a merged title row and a 填报单位/填报时间 row; a two-level header (住址 over
   小区/楼栋/房号, 人员类别（打√） over 独居/空巢/失能) reads the lower titles; a notes sheet (说明, 备注 …), an
   empty one and one without a recognisable header are skipped with the reason. A hand mapping (or a saved
   template) per sheet wins over the titles.
3. `read_ledger(path, plans)` yields the data rows: merged cells filled (an estate merged down its block
   gives every row its estate), blank rows left out, the table ending at a total row (合计/总计/小计) or a
   signature line (填表人 …).
4. `write_rejected(rows, header)` writes the rejected rows back, the header as read plus Excel's row number
   and a 原因 column, ready to fix and upload again.

The reader is python-calamine (Rust), chosen by measurement (benchmarks/ledger_read.py, a generated ledger of
20,000 rows × 16 columns with a two-level merged header and estates merged down their blocks, this machine,
December 2026, best of 2): calamine reads every cell and the merged ranges in 0.3 s; openpyxl's read-only mode
reads the cells in 4.0 s and gives no merged ranges; its normal mode, which does, takes 10.2 s and twice the
memory (later runs on the shared machine: 0.35–0.5 s, 4.8–6.8 s, 7.7–13 s). The whole of check_workbook +
plan_ledger + read_ledger over that file takes 1.9–3.4 s, and residents.ledger.classify 3.5 s more. calamine gives
whole numbers as floats (92.0) and date cells as date / datetime; whole numbers are handed on as int here. It
parses the XML itself (quick-xml) and expands no entity a DTD defines (it stops at the first unknown one);
check_workbook refuses such a file anyway, before calamine sees it. openpyxl, used for writing test ledgers,
uses defusedxml when it is installed (it is: openpyxl.xml.DEFUSEDXML).
"""

import functools
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from defusedxml import ElementTree as SafeET
from django.conf import settings

from jiedao.dates import check_day


class LedgerRefused(Exception):
    """A workbook that is not read; str(e) is the Chinese reason shown to the user."""


# ── the file before it is opened ───────────────────────────────────────────────────────────────────────

# A ledger of 20,000 rows × 20 columns is about 10 MB of XML: the limits leave room for many times that.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_EXPANDED_BYTES = 200 * 1024 * 1024
# calamine holds a sheet as a dense grid from A1 to its last cell: one cell at XFD1048576 in a 5 KB file would
# ask for 17 billion cells (calamine aborts the whole process on that). 4 million is 20,000 rows × 200 columns.
DEFAULT_MAX_CELLS = 4_000_000
DEFAULT_MAX_RATIO = 200  # text XML compresses 10–30×; a run of one byte 1000× and more
MAX_ENTRIES = 2_000
_CHUNK = 1 << 16
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old .xls (and an encrypted .xlsx)
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)

NOT_XLSX = ("这不是 Excel 工作簿（.xlsx）文件，无法读取。"
            "请在 Excel 或 WPS 中打开台账，另存为“Excel 工作簿（*.xlsx）”后再上传。")
BROKEN = "文件已损坏或不是完整的 Excel 工作簿，无法读取。请在 Excel 中打开并另存为 .xlsx 后再上传。"


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def check_workbook(path: str) -> None:
    """Refuse, before any reader opens it, a file that is too large, not an .xlsx, expands past the limits
    (a zip bomb) or declares a DTD (entity expansion). Raises LedgerRefused; returns None for a good file."""
    max_bytes = _limit("LEDGER_MAX_BYTES", DEFAULT_MAX_BYTES)
    size = Path(path).stat().st_size
    if size > max_bytes:
        raise LedgerRefused(f"文件过大（{size / 1024 / 1024:.1f} MB，上限 {max_bytes / 1024 / 1024:g} MB），没有读取。"
                            "请删去台账中不需要导入的工作表或图片后再上传。")
    with open(path, "rb") as f:
        head = f.read(8)
    if head == _OLE_MAGIC:
        raise LedgerRefused("这是旧版 Excel（.xls）文件或加了密码的工作簿，无法读取。请在 Excel 或 WPS 中去掉密码、"
                            "另存为“Excel 工作簿（*.xlsx）”后再上传。")
    if not head.startswith(b"PK"):
        raise LedgerRefused(NOT_XLSX)
    try:
        with zipfile.ZipFile(path) as book:
            entries = book.infolist()
            names = {e.filename for e in entries}
            if len(entries) > MAX_ENTRIES or "xl/workbook.xml" not in names:
                raise LedgerRefused(NOT_XLSX)
            _check_expansion(book, entries)
            with book.open("xl/workbook.xml") as part:
                root = SafeET.fromstring(part.read(), forbid_dtd=True)
            if not root.tag.endswith("}workbook") and root.tag != "workbook":
                raise LedgerRefused(NOT_XLSX)
        if len(_CHECKED) > 1000:
            _CHECKED.clear()
        stat = Path(path).stat()
        _CHECKED[(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)] = True
    except LedgerRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError,
            RuntimeError, SafeET.ParseError) as e:
        # NotImplementedError: a compression method zipfile cannot read; RuntimeError: an encrypted part;
        # DTDForbidden is a ValueError.
        if "DTD" in type(e).__name__:
            raise LedgerRefused(_DTD_MESSAGE) from None
        raise LedgerRefused(BROKEN) from None


_DTD_MESSAGE = ("文件中含有不允许的 XML 声明（DOCTYPE/实体定义），可能被改动过，没有读取。"
                "请在 Excel 中打开并另存为 .xlsx 后再上传。")
_BOMB_MESSAGE = "文件解压后过大，不像正常的台账（可能是压缩炸弹），没有读取。"


def _check_expansion(book: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    """Decompress every part, counting what comes out (the sizes a zip declares can lie), and look at the
    start of every XML part for a DTD (a DOCTYPE must come before the root element)."""
    max_total = _limit("LEDGER_MAX_EXPANDED_BYTES", DEFAULT_MAX_EXPANDED_BYTES)
    max_ratio = _limit("LEDGER_MAX_RATIO", DEFAULT_MAX_RATIO)
    declared = sum(e.file_size for e in entries)
    if declared > max_total:
        raise LedgerRefused(_BOMB_MESSAGE)
    total = 0
    for entry in entries:
        if entry.is_dir():
            continue
        is_xml = entry.filename.endswith((".xml", ".rels", ".vml"))
        extent = _Extent() if entry.filename.startswith("xl/worksheets/") and is_xml else None
        out = 0
        with book.open(entry) as part:
            first = True
            while chunk := part.read(_CHUNK):
                if first and is_xml:
                    _check_prolog(chunk)
                    first = False
                out += len(chunk)
                total += len(chunk)
                if total > max_total or (out > 1024 * 1024 and out > max_ratio * max(entry.compress_size, 1)):
                    raise LedgerRefused(_BOMB_MESSAGE)
                if extent is not None:
                    extent.feed(chunk)
        if extent is not None:
            extent.check()


_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(/?)>")
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_LONGEST_TAG = 1 << 20  # no spreadsheet writes a tag of a megabyte; a file that does is refused


class _Extent:
    """The last row and column holding a cell with content (a self-closed <c/> holds none), over a worksheet
    streamed in chunks; check() refuses a sheet whose grid from A1 to them is too large to hold."""

    def __init__(self):
        self.rows = self.columns = self.cells = 0
        self.tail = b""

    def feed(self, chunk: bytes) -> None:
        window = self.tail + chunk
        end = 0
        for found in _CELL.finditer(window):
            end = found.end()
            if found[2]:
                continue
            self.cells += 1
            ref = _REF.search(found[1])
            if ref:
                column = 0
                for letter in ref[1]:
                    column = column * 26 + letter - 64
                self.rows, self.columns = max(self.rows, int(ref[2])), max(self.columns, column)
        # A tag cut by the chunk's end is read whole with the next chunk.
        last = window.rfind(b"<", end)
        self.tail = window[last:] if last >= 0 and b">" not in window[last:] else b""
        if len(self.tail) > _LONGEST_TAG:
            raise LedgerRefused(BROKEN)

    def check(self) -> None:
        limit = _limit("LEDGER_MAX_CELLS", DEFAULT_MAX_CELLS)
        if self.rows * self.columns > limit or self.cells > limit:
            raise LedgerRefused(f"工作表的范围过大（到第 {self.rows} 行、第 {self.columns} 列），不像正常的台账，"
                                "没有读取：可能有内容写在了很远的单元格里。请删去表格以外多余的行和列后再上传。")


def _check_prolog(chunk: bytes) -> None:
    if chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in chunk[:64]:
        # UTF-16 (or 32): no spreadsheet program writes its parts so, and the scans here read bytes as UTF-8.
        raise LedgerRefused(BROKEN)
    if _DTD.search(chunk):
        raise LedgerRefused(_DTD_MESSAGE)


# ── what a list declares ───────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Field:
    """One column a list can import: `title` and `synonyms` are the headers it is found by."""

    key: str
    title: str
    synonyms: tuple[str, ...] = ()
    required: bool = False


@dataclass
class SheetPlan:
    name: str
    skipped: bool
    why_skipped: str
    header_rows: tuple[int, ...]
    columns: list[str]
    mapping: dict[str, int]
    missing: tuple[str, ...] = ()  # titles of required fields no column was mapped to


@dataclass
class LedgerRow:
    sheet: str
    row: int
    cells: dict[str, Any]
    raw: list[Any]


# ── reading the sheets ─────────────────────────────────────────────────────────────────────────────────

NOTES_SHEET = re.compile(r"说明|备注|注意|填表|填报要求|字典|下拉|选项|示例|样例|readme|instruction",
                         re.IGNORECASE)
HEADER_SEARCH_ROWS = 20  # a header lies below at most a title, a 填报单位 line and a blank or two
TOTAL_WORDS = ("合计", "总计", "小计", "共计", "总数", "累计")
END_WORDS = ("填表人", "填报人", "制表人", "审核人", "负责人", "经办人", "联系人：", "注：", "注:", "说明：", "说明:",
             "备注：", "备注:", "填表说明", "签字", "盖章")


_CHECKED: dict[tuple[str, int, int], bool] = {}  # files check_workbook passed in this process


def _open_book(path: str):
    from python_calamine import CalamineWorkbook

    # A file no one checked is checked here first: calamine aborts the process on a sheet too large to hold.
    stat = Path(path).stat()
    key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _CHECKED:
        check_workbook(path)
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception:  # calamine raises its own errors (CalamineError, XmlError, ZipError …) for a bad file
        raise LedgerRefused(BROKEN) from None


def _sheet_grid(book, name: str, filled: set | None = None, merged: list | None = None) -> list[list[Any]]:
    """Every cell of the sheet from A1 (so that list index + 1 is Excel's row number), merged ranges filled
    with their top-left value, whole numbers as int and empty cells as None. `filled`, when given, receives
    the (row, column) of every cell the filling wrote (a row that is blank but for them is a blank row);
    `merged`, when given, the merged ranges ((first row, first column), (last row, last column)), 0-based."""
    try:
        sheet = book.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=False)
        merges = sheet.merged_cell_ranges or []
        if merged is not None:
            merged.extend(merges)
    except Exception:  # calamine's own errors for a damaged sheet
        raise LedgerRefused(f"工作表“{name}”已损坏，无法读取。请在 Excel 中打开并另存为 .xlsx 后再上传。") from None
    grid = [[_cell(v) for v in row] for row in rows]
    width = max((len(row) for row in grid), default=0)
    area = sum((min(r1, len(grid) - 1) - r0 + 1) * (min(c1, width - 1) - c0 + 1)
               for (r0, c0), (r1, c1) in merges if r0 < len(grid) and c0 < width)
    if area > 2 * _limit("LEDGER_MAX_CELLS", DEFAULT_MAX_CELLS):  # merges laid over one another many times
        raise LedgerRefused(f"工作表“{name}”中合并单元格过多，不像正常的台账，没有读取。")
    for (r0, c0), (r1, c1) in merges:
        if r0 >= len(grid):
            continue
        top = grid[r0][c0] if c0 < len(grid[r0]) else None
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            row = grid[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                row[c] = top
                if filled is not None and (r, c) != (r0, c0):
                    filled.add((r, c))
    return grid


def _cell(value: Any) -> Any:
    if value == "" or value is None:
        return None
    if type(value) is str and "\x00" in value:
        # Excel can carry a NUL (as _x0000_); PostgreSQL can store none, in text or JSON. Shown as �, it is
        # still no name, number or phone, so the row is refused with its reason rather than stored.
        return value.replace("\x00", "\ufffd")
    if type(value) is float and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def _merged_widths(merges: list, width: int) -> dict[tuple[int, int], int]:
    """(row, column) → the width of the horizontal merge the cell belongs to (only for merges wider than one),
    in the rows a header may hold."""
    widths = {}
    for (r0, c0), (r1, c1) in merges:
        if c1 > c0 and r0 <= HEADER_SEARCH_ROWS:
            for r in range(r0, min(r1, HEADER_SEARCH_ROWS + 1) + 1):
                for c in range(c0, min(c1, width - 1) + 1):  # within the sheet's cells: merges can lie
                    widths[(r, c)] = c1 - c0 + 1
    return widths


_BRACKETS = re.compile(r"[（(【\[].*?[）)】\]]")
_NOISE = re.compile(r"[\s*＊:：?？、/／\\|._\-—~·•]")


def title_key(value: Any) -> str:
    """A header cell as compared with titles: NFKC, without bracketed notes (（打√）, (18位)), spaces, marks."""
    if value is None or isinstance(value, (int, float, date, time)):
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    without = _BRACKETS.sub("", text)
    return _NOISE.sub("", without or text)


def _field_match(text: Any, fields: Sequence[Field]) -> tuple[Field | None, bool]:
    """The field a header cell names, and whether it names it exactly (its title or a synonym) rather than
    with a few words around it (本人联系电话). A cell naming two fields (户主身份证号码: 户主 and 身份证号码) names
    neither: the hand mapping is there for it."""
    key = title_key(text)
    if not key:
        return None, False
    for f in fields:
        if key in _keys(f):
            return f, True
    near = {f for f in fields for k in _keys(f) if len(k) >= 2 and k in key}
    if len(near) == 1:
        (f,) = near
        if any(k in key and len(key) <= len(k) + 4 for k in _keys(f)):  # not a long title row
            return f, False
    return None, False


def _field_for(text: Any, fields: Sequence[Field]) -> Field | None:
    return _field_match(text, fields)[0]


def _assign(candidates: dict[int, tuple[Field | None, bool]]) -> dict[str, int]:
    """Field key → column: exact titles first, then near ones, each field to its first column."""
    mapping: dict[str, int] = {}
    for wanted in (True, False):
        for c, (f, exact) in candidates.items():
            if f is not None and exact is wanted and f.key not in mapping:
                mapping[f.key] = c
    return dict(sorted(mapping.items(), key=lambda item: item[1]))


@functools.lru_cache(maxsize=512)
def _keys(f: Field) -> tuple[str, ...]:
    return tuple(title_key(t) for t in (f.title, *f.synonyms))


def _match_row(row: list[Any], fields: Sequence[Field]) -> dict[int, str]:
    """Column → the key of the field it names, one column per field."""
    return {c: key for key, c in _assign({c: _field_match(v, fields) for c, v in enumerate(row)}).items()}


def plan_ledger(path: str, fields: Sequence[Field], mapping: dict[str, dict[str, int]] | None = None
                ) -> list[SheetPlan]:
    """One plan per sheet: where its header is and which column holds which field (see the module). A file
    check_workbook has not passed in this process is checked first (LedgerRefused)."""
    book = _open_book(path)
    plans = []
    for name in book.sheet_names:
        merges: list = []
        grid = _sheet_grid(book, name, merged=merges)
        width = max((len(row) for row in grid), default=0)
        plan = _plan_sheet(name, grid, fields, _merged_widths(merges, width))
        hand = _hand_mapping((mapping or {}).get(name), fields, width)
        if hand and not (plan.skipped and not plan.header_rows):
            claimed = {i for i in hand.values() if i is not None}
            kept = {k: i for k, i in plan.mapping.items() if i not in claimed and k not in hand}
            kept.update({k: i for k, i in hand.items() if i is not None})
            plan.mapping = dict(sorted(kept.items(), key=lambda item: item[1]))
            plan.skipped, plan.why_skipped = False, ""
            plan.missing = tuple(f.title for f in fields if f.required and f.key not in kept)
        plans.append(plan)
    return plans


def _hand_mapping(hand: Any, fields: Sequence[Field], width: int) -> dict[str, int | None]:
    """A hand mapping (or a saved template) as far as it makes sense for this sheet: known field keys only, each
    to a column that exists (an int or ASCII digits) or None (that field not read); anything else is left out,
    never an error (a template saved for last month's ledger may not fit this one)."""
    if not isinstance(hand, dict):
        return {}
    keys = {f.key for f in fields}
    out: dict[str, int | None] = {}
    for key, index in hand.items():
        if key not in keys:
            continue
        if index is None:
            out[key] = None
        elif isinstance(index, str) and index.isascii() and index.isdigit() and len(index) < 6:
            index = int(index)
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < width:
            out[key] = index
    return out


def _plan_sheet(name: str, grid: list[list[Any]], fields: Sequence[Field],
                widths: dict[tuple[int, int], int]) -> SheetPlan:
    def skipped(why: str, header_rows=(), columns=None) -> SheetPlan:
        return SheetPlan(name, True, why, tuple(header_rows), columns or [], {})

    if not any(v is not None for row in grid for v in row):
        return skipped("空表，没有内容。")
    best, best_row = {}, None
    for r, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        found = _match_row(row, fields)
        if len(found) > len(best):
            best, best_row = found, r
    if best_row is None or len(best) < 2:
        if NOTES_SHEET.search(name):
            return skipped("说明页，不是台账数据。")
        return skipped("没有找到表头（如“姓名”“身份证号码”等列标题），未读取。可手工指定各列对应的项目。")
    if best_row > 0:
        # The lower row of a two-level header often holds more titles than the upper (姓名 merged down both
        # rows reads the same in each): the header starts one row up when two titles or more repeat there.
        prev, here = grid[best_row - 1], grid[best_row]
        same = sum(1 for c in best if c < len(prev) and title_key(prev[c]) == title_key(here[c]))
        if same >= 2:
            best_row -= 1
    upper = grid[best_row]
    lower = grid[best_row + 1] if best_row + 1 < len(grid) else []
    two_level = False
    for c, value in enumerate(lower):
        f = _field_for(value, fields)
        if f is None or title_key(value) == title_key(upper[c] if c < len(upper) else None):
            continue
        group = widths.get((best_row, c), 1) > 1 or c >= len(upper) or upper[c] is None
        if group:
            two_level = True
            break
    columns, candidates = [], {}
    width = max(len(upper), len(lower) if two_level else 0)
    for c in range(width):
        top = upper[c] if c < len(upper) else None
        low = lower[c] if two_level and c < len(lower) else None
        top_text = "" if top is None else str(top).strip()
        low_text = "" if low is None else str(low).strip()
        if two_level and low_text and low_text != top_text:
            columns.append(f"{top_text}·{low_text}" if top_text else low_text)
            found = _field_match(low, fields)
            if found[0] is None and widths.get((best_row, c), 1) == 1:
                found = _field_match(top, fields)
        else:
            columns.append(top_text)
            found = _field_match(top, fields)
        candidates[c] = found
    mapping = _assign(candidates)
    if NOTES_SHEET.search(name) and len(mapping) < 2:
        return skipped("说明页，不是台账数据。")
    header_rows = (best_row + 1, best_row + 2) if two_level else (best_row + 1,)
    missing = tuple(f.title for f in fields if f.required and f.key not in mapping)
    return SheetPlan(name, False, "", header_rows, columns, mapping, missing)


def _text(value: Any) -> str:
    return "" if value is None else re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))


def _is_total(row: list[Any], mapping: dict[str, int]) -> bool:
    looked_at = set(range(min(3, len(row)))) | {i for i in mapping.values() if i < len(row)}
    for c in looked_at:
        text = _text(row[c])
        if text and len(text) <= 8 and text.startswith(TOTAL_WORDS):
            return True
    return False


def _is_end(row: list[Any]) -> bool:
    first = next((v for v in row if v is not None), None)
    return isinstance(first, str) and _text(first).startswith(END_WORDS)


def read_ledger(path: str, plans: Sequence[SheetPlan]) -> Iterator[LedgerRow]:
    """The data rows of the sheets planned for reading, in order: no blank rows, no total row, nothing after
    the table (a total row or a signature line ends it). A file not checked yet is checked first."""
    book = _open_book(path)
    for plan in plans:
        if plan.skipped:
            continue
        filled: set[tuple[int, int]] = set()
        grid = _sheet_grid(book, plan.name, filled)
        start = max(plan.header_rows, default=0)  # Excel's row number of the last header row = first data index
        for index in range(start, len(grid)):
            row = grid[index]
            cells = {key: (row[c] if c < len(row) else None) for key, c in plan.mapping.items()}
            # Blank but for an estate merged down past it: still a blank row.
            if all(_text(v) == "" or (index, c) in filled for c, v in enumerate(row)):
                if _is_end(row):
                    break
                continue
            if _is_total(row, plan.mapping) or _is_end(row):
                break
            yield LedgerRow(sheet=plan.name, row=index + 1, cells=cells, raw=list(row))


# ── cells as the lists read them ───────────────────────────────────────────────────────────────────────

_YES = {"√", "✓", "✔", "☑", "✅", "是", "有", "1", "y", "yes", "true", "对", "●", "○", "★", "v", "是的"}
_NO = {"否", "×", "✗", "✘", "x", "☒", "0", "n", "no", "false", "无", "不是", "-", "/", "—", "－"}


def yes_mark(value: Any) -> bool | None:
    """√ ✓ ✔ 是 1 Y → True; 否 × 0 N, blank → False; anything else None (not a mark)."""
    if value is None or value is False:
        return False
    if value is True:
        return True
    if isinstance(value, (int, float)):
        return {1: True, 0: False}.get(value)
    text = _text(value).lower()
    if text == "":
        return False
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


_DATE_TEXT = re.compile(r"(\d{4})\s*[年.\-/／．。]\s*(\d{1,2})(?:\s*[月.\-/／．。]\s*(\d{1,2})\s*日?)?\s*月?"
                        r"(?:\s+\d{1,2}[:：]\d{2}(?:[:：]\d{2}(?:\.\d+)?)?)?", re.ASCII)  # ASCII digits: after NFKC
_YEAR_ONLY = re.compile(r"(\d{4})\s*年?", re.ASCII)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})?", re.ASCII)


@dataclass(frozen=True)
class LedgerDate:
    """A date as a ledger writes it: `precision` "day", "month" (1950.3) or "year" (1950年). `months` lists
    the months an ambiguous number could mean (1950.1 typed as a number may have been 1950.10)."""

    day: date
    precision: str
    months: tuple[int, ...] = field(default=())

    def agrees_with(self, other: date) -> bool:
        if self.precision == "year":
            return self.day.year == other.year
        if self.precision == "month":
            return self.day.year == other.year and other.month in (self.months or (self.day.month,))
        return self.day == other


def ledger_date(value: Any) -> LedgerDate | None:
    """Real dates and date-times, 1950-03-02, 1950/03/02, 1950.3.2, 1950年3月2日, 1950.3, 1950年3月, 1950年,
    19500302, 195003, and a year.month typed as a number (1950.3); None when it is none of these or falls
    outside 1900–2100. A real date on the 1st of a month is read as that month (see below)."""
    try:
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            # A real date on the 1st is often a month shown as one (a 出生年月 column formatted 1950年3月 holds
            # 1950-03-01): it is read as that month, which a birth on the 1st agrees with too.
            return LedgerDate(check_day(value), "month" if value.day == 1 else "day", (value.month,))
        if isinstance(value, bool) or value is None:
            return None
        if isinstance(value, int):
            value = str(value)
        elif isinstance(value, float):
            year, frac = f"{value:.2f}".split(".")
            month = int(frac.rstrip("0") or "0") if frac.endswith("0") else int(frac)
            months = (1, 10) if frac == "10" else (month,)
            return LedgerDate(check_day(date(int(year), months[0], 1)), "month", months)
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if found := _DATE_TEXT.fullmatch(text):
            y, m, d = int(found[1]), int(found[2]), found[3]
            if d:
                return LedgerDate(check_day(date(y, m, int(d))), "day")
            return LedgerDate(check_day(date(y, m, 1)), "month", (m,))
        if found := _COMPACT.fullmatch(text):
            y, m, d = int(found[1]), int(found[2]), found[3]
            if d:
                return LedgerDate(check_day(date(y, m, int(d))), "day")
            return LedgerDate(check_day(date(y, m, 1)), "month", (m,))
        if found := _YEAR_ONLY.fullmatch(text):
            return LedgerDate(check_day(date(int(found[1]), 1, 1)), "year")
    except (ValueError, OverflowError):
        return None
    return None


# ── the rejected rows, to fix and upload again ─────────────────────────────────────────────────────────


def write_rejected(rows: Iterable[tuple[Any, str]], header: Sequence[str], *,
                   row_numbers: Iterable[int] | None = None, directory: str | None = None) -> str:
    """A workbook of the rejected rows, ready to fix and upload again: 原表行号 (Excel's row number in the
    uploaded file), the header as read, then 原因; 原工作表 first when the rows come from more than one sheet.
    Each item is (row, reason), the row a LedgerRow (its number and sheet are then known) or its raw list
    (numbers from `row_numbers`, else left empty). Written with jiedao.xlsx.write_sheet (text stays text, never
    a formula); returns the file's path (the caller removes it)."""
    from jiedao.xlsx import write_sheet

    items = list(rows)  # the rejected rows of one ledger: few, and their sheets decide a column
    numbers = list(row_numbers) if row_numbers is not None else None
    sheets = {item[0].sheet for item in items if isinstance(item[0], LedgerRow)}
    lead = ([("原工作表", 14)] if len(sheets) > 1 else []) + [("原表行号", 10)]
    columns = lead + [(str(h or f"第{i + 1}列"), max(8, min(30, len(str(h or "")) * 2 + 4)))
                      for i, h in enumerate(header)] + [("原因", 60)]

    def cells():
        for index, (row, reason) in enumerate(items):
            known = isinstance(row, LedgerRow)
            raw = row.raw if known else row
            number = row.row if known else (numbers[index] if numbers and index < len(numbers) else None)
            values = [_sheet_value(v) for v in list(raw)[: len(header)]]
            values += [None] * (len(header) - len(values))
            first = ([row.sheet if known else None] if len(sheets) > 1 else []) + [number]
            yield first + values + [reason]

    handle = tempfile.NamedTemporaryFile(prefix="rejected-", suffix=".xlsx", delete=False, dir=directory)
    with handle:
        write_sheet(handle, title="未导入的行", columns=columns, rows=cells())
    return handle.name


def _sheet_value(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, date)):
        return value
    return str(value)  # a time or a duration: as text
