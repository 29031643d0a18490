"""Messy ledgers written for the import tests (openpyxl), of other designs than the shared sample: other
titles and synonyms, column orders, two-level merged headers, estates merged down a block, a 填报单位 row,
a total row, a notes sheet, dates in every spelling. Each builder returns the file and, per data row
(sheet, Excel's row number), the outcome expected of it."""

from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook

from residents import id_numbers

DATA = Path(__file__).resolve().parent.parent / "data" / "ledgers"
SAMPLE = DATA / "xinjia-ximaqiao-sample.xlsx"
SAMPLE_EXPECTED = DATA / "xinjia-ximaqiao-sample.expected.json"


def number(birth: date, sequence: int, *, female: bool = False, region: str = "110105") -> str:
    return id_numbers.make(region, birth, sequence, female=female)


def number_ending_x(birth: date, *, female: bool = False) -> str:
    """A valid number whose check character is X (written lower-case in the ledgers)."""
    for sequence in range(0, 1000, 2):
        candidate = number(birth, sequence, female=female)
        if candidate.endswith("X"):
            return candidate
    raise AssertionError("no X")


def full_width(text: str) -> str:
    return text.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))


def east_elders(folder) -> tuple[str, dict, dict]:
    """东园社区's elders' ledger: a merged title, a 填报单位 row, a two-level merged header (住址 over
    小区/楼栋/单元/房号, 人员类别（打√） over 独居/空巢/失能), each estate merged down its block, dates in six
    spellings, marks √ ✓ ✔ 是 1 Y, a blank row, a total row and a signature; a notes sheet first; a second
    sheet of another office's making (other titles, another order, one 住址 column, 户主 and 与户主关系).
    Returns (path, {(sheet, row): outcome}, {(sheet, row): number})."""
    book = Workbook()
    notes = book.active
    notes.title = "填表说明"
    notes.append(["1. 身份证号码请填写 18 位。"])
    notes.append(["2. 人员类别请打√。"])

    sheet = book.create_sheet("老年人")
    sheet["A1"] = "和平里街道东园社区老年人基本信息登记表（2026年11月）"
    sheet.merge_cells("A1:N1")
    sheet["A2"] = "填报单位：东园社区居委会（盖章）"
    sheet["J2"] = "填报时间：2026年11月30日"
    for column, title in zip("ABCDEMN", ["序号", "姓 名", "性别", "出生年月", "公民身份号码", "联系电话", "备注"],
                             strict=True):
        sheet[f"{column}3"] = title
        sheet.merge_cells(f"{column}3:{column}4")
    sheet["F3"] = "住址"
    sheet.merge_cells("F3:I3")
    sheet["J3"] = "人员类别（打√）"
    sheet.merge_cells("J3:L3")
    for column, title in zip("FGHIJKL", ["小区", "楼栋", "单元", "房号", "独居", "空巢", "失能"], strict=True):
        sheet[f"{column}4"] = title

    expected, numbers = {}, {}
    x_number = number_ending_x(date(1948, 10, 31))
    rows = [
        # name, gender, birth as written, number as written, building, unit, room, marks, phone, notes, outcome
        ("刘桂兰", "女", datetime(1941, 3, 2, 0, 0), number(date(1941, 3, 2), 10, female=True), "3号楼", 2, "501室",
         ("√", "", ""), "139-1234-5678", None, "new"),
        ("陈建国", "男", "1942.7", number(date(1942, 7, 15), 12), "3", "1", 101, ("", "✓", ""),
         "13812345678 / 010-64000001", None, "warning"),
        ("王秀英", "女", "1938年5月6日", full_width(number(date(1938, 5, 6), 14, female=True)), "4幢", "1单元", "202",
         ("✔", "", "半失能"), "010-64001234", None, "new"),
        ("赵德胜", "男", "1948/10/31", x_number.lower(), "4", "2", "301", ("是", "是", ""), "13700001111", None, "new"),
        ("  孙玉芳  ", "女", date(1947, 9, 9), number(date(1947, 9, 9), 16, female=True)[:6] + " "
         + number(date(1947, 9, 9), 16, female=True)[6:], "5", "3", "402", (1, "", ""), "1360000 2222", None, "new"),
        ("周国庆", "女", "1949-10-01", number(date(1949, 10, 1), 18), "5", "1", "101", ("Y", "", ""), "13500003333",
         "老伴已故", "warning"),  # the gender column says 女, the number a man
        ("吴明华", "男", "1951.2.3", number(date(1951, 2, 3), 20)[:17] + "0", "6", "1", "102", ("", "", ""),
         "13400004444", None, "rejected"),  # check digit wrong (unless it happens to be 0)
        None,  # a blank row in the middle of the table
        ("郑淑珍", "女", "1940年", number(date(1940, 4, 4), 22, female=True), "6", "2", "201", ("", "", "√"),
         "13300005555", None, "new"),
        ("冯春露", "女", "1952.11", number(date(1941, 3, 2), 10, female=True), "7", "1", "301", ("", "", ""),
         "13200006666", None, "rejected"),  # the same number as 刘桂兰's: a duplicate
        ("钱😀", "男", "1953.4", number(date(1953, 4, 4), 24), "7", "2", "302", ("", "", ""), "13100007777", None,
         "rejected"),  # not a name
    ]
    if rows[6][3].endswith("0") and id_numbers.check_char(rows[6][3][:17]) == "0":
        raise AssertionError("pick another sequence for the bad check digit")
    first = 5
    blocks = {5: ("和平里一区", 5), 10: ("和平里二区", 3), 13: ("和平里三区", 3)}
    excel_row = first
    for index, entry in enumerate(rows, start=1):
        if entry is None:
            excel_row += 1
            continue
        name, gender, birth, raw_number, building, unit, room, marks, phone, note, outcome = entry
        values = {"A": index, "B": name, "C": gender, "D": birth, "E": raw_number, "G": building, "H": unit,
                  "I": room, "J": marks[0], "K": marks[1], "L": marks[2], "M": phone, "N": note}
        for column, value in values.items():
            if value not in (None, ""):
                sheet[f"{column}{excel_row}"] = value
        expected[("老年人", excel_row)] = outcome
        numbers[("老年人", excel_row)] = id_numbers.normalize(raw_number)
        excel_row += 1
    for start, (estate, length) in blocks.items():
        sheet[f"F{start}"] = estate
        sheet.merge_cells(f"F{start}:F{start + length - 1}")
    sheet[f"A{excel_row}"] = "合计"
    sheet[f"B{excel_row}"] = f"{len(expected)}人"
    sheet[f"A{excel_row + 2}"] = "填表人：王丽        审核人：赵管理"

    family = book.create_sheet("家庭成员")
    family.append(["东园社区家庭成员花名册"])
    family.append([])
    family.append(["证件号码", "居民姓名", "与户主关系", "户主", "手机", "居住地址", "年龄", "性别", "低保户",
                   "出生日期"])
    head = number(date(1960, 6, 1), 30)
    members = [
        (head, "马志强", "本人", "是", "13900001234", "和平里一区8号楼1单元601室", 66, "男", "", "1960-06-01", "new"),
        (number(date(1962, 8, 8), 32, female=True), "马丽娟", "妻子", "否", "", "和平里一区8号楼1单元601室", 64,
         "女", "√", "1962年8月8日", "warning"),  # a 低保 mark
        (number(date(1990, 1, 1), 34), "马小明", "儿子", "", "", "和平里一区8号楼1单元601室", 20, "男", "",
         "1990.1", "warning"),  # an age years out of date
        (float(number(date(1958, 12, 12), 36)), "马大爷", "父亲", "", "", "和平里一区8号楼1单元601室", 67, "男", "",
         "", "rejected"),  # stored as a number: its last digits are lost
        ("", "马奶奶", "母亲", "", "", "和平里一区8号楼1单元601室", 65, "女", "", "", "rejected"),  # no number
    ]
    for offset, (raw_number, name, relation, is_head, phone, address, age, gender, dibao, birth, outcome) in \
            enumerate(members):
        family.append([raw_number or None, name, relation, is_head or None, phone or None, address, age, gender,
                       dibao or None, birth or None])
        expected[("家庭成员", 4 + offset)] = outcome
        numbers[("家庭成员", 4 + offset)] = id_numbers.normalize(raw_number) if isinstance(raw_number, str) else ""
    family.append(["总计：5人"])
    return save(book, folder, "east-elders.xlsx"), expected, numbers


def west_flat(folder) -> tuple[str, dict]:
    """西园社区's ledger, flat and plain in another way: the title in A1 unmerged, the header on row 3 with
    titles carrying notes (身份证号码（18位）, 联系方式（手机）), a 人员类别 column of words (独居、空巢), dates as
    numbers (19500301, a year.month typed as the number 1950.3), an empty sheet and a sheet with no header."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(["西园社区重点人群台账"])
    sheet.append(["填报人：李强", None, "日期：2026.11"])
    sheet.append(["联系方式（手机）", "身份证号码（18位）", "姓名", "出生日期", "人员类别", "小区名称", "楼号", "单元",
                  "室", "是否户主", "说明"])
    rows = [
        ("15800001111", number(date(1950, 3, 1), 40), "黄春", 19500301, "独居、空巢", "西园新村", "2", "1", "101",
         "是", None, "new"),
        ("15800002222", number(date(1950, 3, 9), 42, female=True), "林秀", 1950.3, "低保、独居", "西园新村", "2", "1",
         "102", "√", None, "warning"),
        ("158-0000-3333", number(date(1944, 12, 1), 44), "阿卜杜·艾力", "1944年12月", "失能", "西园新村", "3", "2",
         "201", "", None, "new"),
        ("not a phone", number(date(1946, 6, 6), 46, female=True), "何素", "1946-06-06", "", "西园新村", "3", "2",
         "202", "", None, "warning"),  # the phone cannot be read
        (None, number(date(1939, 2, 2), 48), "郭德2", "1939/2/2", "", "西园新村", "3", "2", "203", "", None,
         "rejected"),  # a digit in the name
    ]
    expected = {}
    for offset, (*cells, outcome) in enumerate(rows):
        sheet.append(list(cells))
        expected[("Sheet1", 4 + offset)] = outcome
    sheet.append([None, None, "小计", None])
    book.create_sheet("Sheet2")
    other = book.create_sheet("Sheet3")
    other.append(["常用电话"])
    other.append(["居委会", "010-64000001"])
    return save(book, folder, "west-flat.xlsx"), expected


def north_households(folder) -> tuple[str, dict]:
    """北苑社区's household roll, as a third office keeps it: a two-level header with no merged cells (住址 and
    人员类别（打√） written over the first of their columns, the rest blank), 身份证件号码 and 电话号码 for titles,
    birth months as real dates shown 1950年3月, phones typed as numbers and landlines, a number with a
    non-breaking space and one with the letter O for a zero, the estate merged down the whole sheet, a notes
    line ending the table and a second sheet repeating a person of the first."""
    book = Workbook()
    sheet = book.active
    sheet.title = "北苑社区"
    sheet.append(["北苑社区居民花名册"])
    sheet.append(["填报时间：2026-11-30"])
    sheet.append(["户号", "姓名", "与户主关系", "身份证件号码", "出生年月", "性别", "住址", None, None,
                  "人员类别（打√）", None, None, "电话号码"])
    sheet.append([None, None, None, None, None, None, "小区", "楼栋", "房号", "独居", "空巢", "残疾", None])
    head = number(date(1950, 3, 3), 50)
    old_lady = number(date(1936, 2, 14), 52, female=True)
    o_for_zero = number(date(1945, 5, 5), 58)
    people = [
        (1, "周大山", "户主", head + "\u00a0", datetime(1950, 3, 1), "男", "2栋", "0301", ("", "✓", ""),
         13912340001, "new"),
        (1, "吴翠花", "配偶", number(date(1952, 7, 7), 54, female=True), datetime(1952, 7, 1), "女", "2栋",
         "0301", ("", "✓", ""), "0571-8888 1234", "new"),
        (1, "周小宝", "孙子", number(date(2015, 9, 1), 56), datetime(2015, 9, 1), "男", "2栋", "0301",
         ("", "", ""), None, "new"),
        (2, "钱老太", "本人", old_lady, datetime(1936, 2, 1), "F", "5栋", "0102", ("√", "", "√"), 13912340004,
         "new"),
        (3, "郑大伯", "户主", o_for_zero[:10] + "O" + o_for_zero[11:], datetime(1945, 5, 1), "男", "6栋", "0201",
         ("", "", ""), 13912340005, "rejected"),  # the letter O for a zero
        (4, "冯阿姨", "户主", number(date(1948, 8, 8), 60, female=True), datetime(1948, 8, 1), "男", "6栋",
         "0202", ("", "", ""), 13912340006, "warning"),  # the gender column contradicts the number
    ]
    expected = {}
    for offset, (household, name, relation, raw, birth, gender, building, room, marks, phone, outcome) in \
            enumerate(people):
        excel_row = 5 + offset
        sheet.append([household, name, relation, raw, birth, gender, None, building, room, *marks, phone])
        sheet.cell(excel_row, 5).number_format = "yyyy年m月"
        expected[("北苑社区", excel_row)] = outcome
    sheet["G5"] = "北苑"
    sheet.merge_cells(f"G5:G{4 + len(people)}")
    sheet.append([])
    sheet.append(["说明：本表由各楼长填报，社区汇总。"])
    sheet.append([5, "不该读到", "户主", number(date(1940, 1, 1), 62)])  # after the notes line: not the table

    more = book.create_sheet("楼长补充")
    more.append(["姓名", "身份证号", "电话"])
    more.append(["钱老太", old_lady.lower(), "13912340004"])
    expected[("楼长补充", 2)] = "rejected"  # the same person as on 北苑社区's row 8
    return save(book, folder, "north-households.xlsx"), expected


def save(book: Workbook, folder, name: str) -> str:
    path = Path(folder) / name
    book.save(path)
    return str(path)
