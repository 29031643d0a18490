"""The monthly report pack (月报) for the district bureau: one workbook per sub-district and month, built
from monthly_figures() as the sub-district's leader would see them, so the pack and the dashboard/API
give the same numbers for the same month. Every build is kept as a version with its checksum."""

import hashlib
import io
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from jiedao import audit
from jiedao.dates import add_months
from jiedao.models import AuditAction, Role, User
from jiedao.routers import reading_replica
from jiedao.scope import builds_reports
from jiedao.xlsx import write_book
from residents.models import Subdistrict

from .models import MonthlyReport
from .selectors import monthly_figures


def reader_of(subdistrict: Subdistrict) -> User:
    """A sub-district as its leader sees it (an unsaved account): the scope of what is built with
    nobody signed in, such as the monthly report pack, so it can never differ from the leader's view."""
    return User(username=f"system:{subdistrict.pk}", role=Role.SUBDISTRICT_LEADER, subdistrict=subdistrict,
                is_active=True)


def report_build(*, subdistrict: Subdistrict, month: date, actor=None, via: str = MonthlyReport.Via.PAGE,
                 replace: bool = True) -> MonthlyReport | None:
    """Build `month`'s pack for `subdistrict` and keep it as the next version.

    Only a month that is over has a pack (a mid-month one would stand for the month and block the 1st's
    run). With replace=False (the scheduled run) a month that already has a report is left as it is, so
    a second run writes nothing. The workbook is complete before anything is stored: a build that fails
    leaves the last good version in place."""
    if actor is not None and not (builds_reports(actor) and actor.subdistrict_id == subdistrict.pk):
        raise PermissionDenied("只有本街道的街道管理员可以生成月报。")
    month = month.replace(day=1)
    if month >= timezone.localdate().replace(day=1):
        raise ValidationError({"month": f"{month:%Y-%m} 尚未结束：月报只能在月份结束后生成。"})
    if not replace and MonthlyReport.objects.filter(subdistrict=subdistrict, month=month).exists():
        return None
    made_at = timezone.now()
    with reading_replica():  # the month is over: a second of replication lag changes none of its figures
        figures = monthly_figures(reader_of(subdistrict), month, fresh=True)
    content = _workbook(subdistrict, figures, made_at, actor, via)
    with transaction.atomic():
        # One builder at a time per sub-district: version numbers never collide, and two scheduled
        # runs at once cannot both write the month.
        Subdistrict.objects.select_for_update().get(pk=subdistrict.pk)
        existing = MonthlyReport.objects.filter(subdistrict=subdistrict, month=month)
        if not replace and existing.exists():
            return None
        report = MonthlyReport.objects.create(
            subdistrict=subdistrict, month=month, version=(existing.aggregate(v=Max("version"))["v"] or 0) + 1,
            made_by=actor if actor is not None and actor.pk else None, made_via=via,
            checksum=hashlib.sha256(content).hexdigest(),
            size=len(content), figures=figures, content=content)
        audit.record(actor=actor, action=AuditAction.CREATE, target=report,
                     username=None if actor else MonthlyReport.Via(via).label,
                     changes={"month": f"{month:%Y-%m}", "version": report.version, "checksum": report.checksum})
    return report


def report_filename(report: MonthlyReport) -> str:
    return f"{report.subdistrict.name}-{report.month:%Y-%m}-民政月报-第{report.version}版.xlsx"


def _workbook(subdistrict, figures: dict, made_at, actor, via) -> bytes:
    stream = io.BytesIO()
    made_by = (actor.get_full_name() or actor.get_username()) if actor else MonthlyReport.Via(via).label
    cover = [("报表", f"{subdistrict.name}民政工作月报"), ("统计月份", figures["month"]),
             ("数据截至", figures["as_of"]), ("街道", subdistrict.name),
             ("生成时间", timezone.localtime(made_at).strftime("%Y-%m-%d %H:%M")), ("生成人", made_by),
             ("走访准时率 %", figures["compliance"]["rate"]),
             ("说明", "在册人口、年龄与在办、在保案件为月末状态；特殊群体按生成时的标签统计（标签暂无历史记录）；"
                      "走访、助餐、受理与发放为当月合计；志愿服务的口径见该表末的说明。")]
    sheets = [("封面", [("项目", 16), ("内容", 60)], cover)]
    for area in figures["areas"]:
        columns = [("社区", 22), *((c["label"], max(10, len(c["label"]) * 2 + 2)) for c in area["columns"])]
        rows = [[row["name"], *(_cell(row["values"][c["key"]], c["kind"]) for c in area["columns"])]
                for row in area["rows"]]
        if area.get("note"):  # what the sheet's figures mean, under them (as on the dashboard)
            rows += [[], [f"说明：{area['note']}"]]
        sheets.append((area["title"], columns, rows))
        if area["key"] == "cases":
            states = area["states"]
            sheets.append(("救助案件分类", [("类别", 14), *((s["label"], 10) for s in states)],
                           [[k["label"], *(k["states"][s["key"]] for s in states)] for k in area["by_kind"]]))
    write_book(stream, sheets)
    return stream.getvalue()


def _cell(value, kind):
    if kind == "hours":  # a number, not money (a Decimal is written as 元)
        return float(value)
    return Decimal(value) if kind == "money" else value


def previous_month(today: date | None = None) -> date:
    return add_months((today or timezone.localdate()).replace(day=1), -1)


def reports_build_scheduled(today: date | None = None) -> int:
    """The 1st-of-the-month run: last month's pack for every sub-district that has none yet."""
    month = previous_month(today)
    return sum(report_build(subdistrict=s, month=month, via=MonthlyReport.Via.SCHEDULE, replace=False) is not None
               for s in Subdistrict.objects.order_by("pk"))

