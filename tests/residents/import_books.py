"""Small clean ledgers for the import tests (openpyxl), and the rows every story starts from: a new person,
the same person again, a bad check digit, someone registered out of scope, an update, a 低保 mark."""

import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from jiedao.exports import XLSX
from residents import id_numbers

HEADER = ["姓名", "身份证号码", "联系电话", "小区", "楼栋", "单元", "房号", "户主", "与户主关系", "独居", "低保",
          "备注"]


def number(n: int, *, birth=date(1945, 3, 2), female=True) -> str:
    return id_numbers.make("110105", birth, 100 + 2 * n, female=female)


def bad_check_digit(n: int) -> str:
    good = number(n)
    return good[:17] + ("0" if good[17] != "0" else "1")


def book(rows, header=HEADER, *, sheet="台账") -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(content: bytes, name="东园社区台账.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def story_rows(*, zhang, wang) -> list[list]:
    """Row 2 new (head of a household), 3 new (his wife), 4 the same as row 2, 5 bad check digit, 6 registered in
    西园 (out of scope), 7 张春露 with a new phone (update), 8 a 低保 mark (warning)."""
    return [
        ["孙大爷", number(1, female=False), "139-0000-0001", "和平里二区", "5", "1", "101", "是", "本人", "", "", ""],
        ["钱大妈", number(2), "13900000002", "和平里二区", "5", "1", "101", "", "配偶", "√", "", ""],
        ["孙大爷", number(1, female=False), "", "", "", "", "", "", "", "", "", ""],
        ["错号码", bad_check_digit(3), "", "", "", "", "", "", "", "", "", ""],
        ["王建国", wang.id_number, "", "", "", "", "", "", "", "", "", ""],
        ["张春露", zhang.id_number, "13800000007", "和平里一区", "3", "2", "501", "", "", "", "", ""],
        ["周低保", number(4), "", "和平里三区", "1", "1", "102", "", "", "", "√", ""],
    ]
