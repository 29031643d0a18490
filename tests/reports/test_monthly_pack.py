"""On the 1st at 02:00 the portal builds last month's report pack for the district bureau. 赵管理 builds
October again after a correction: a new version, the old one kept. 郑区局 downloads every sub-district's
pack; the figures in it are the dashboard's for that month."""

import hashlib
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiedao.models import AuditEntry
from reports import services as reports
from reports.models import MonthlyReport
from reports.services import previous_month, report_build, reports_build_scheduled
from residents.models import Resident
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(heping, east1, east2, west1, chen):
    """Three residents of 和平里 registered long ago (and 陈青龙 next door)."""
    people = [ResidentFactory(name="张春露", grid=east1, birth=date(1938, 5, 2), tags=["living_alone"]),
              ResidentFactory(name="李秀英", grid=east2, birth=date(1958, 8, 9)),
              ResidentFactory(name="王建国", grid=west1, birth=date(1985, 1, 20))]
    Resident.objects.update(created_at=timezone.now() - timedelta(days=400))
    return people


def _book(content):
    return load_workbook(io.BytesIO(bytes(content)))


def test_the_pack_holds_the_figures_the_api_gives_for_that_month(api, leader, heping, registered, east1):
    month = previous_month()
    ResidentFactory(name="刘新来", grid=east1, birth=date(1940, 1, 1))  # registered this month: not in last month's
    call_command("monthly_report", "--month", f"{month:%Y-%m}", "--subdistrict", "和平里街道", stdout=io.StringIO())
    report = MonthlyReport.objects.get(subdistrict=heping, month=month)
    book = _book(report.content)
    figures = api.as_(leader).get(f"/api/v1/dashboard/?month={month:%Y-%m}").json()
    assert book.sheetnames == ["封面", "人口与特殊群体", "走访", "助餐与补贴", "救助案件与发放", "救助案件分类",
                               "儿童服务", "志愿服务"]
    cover = dict(book["封面"].iter_rows(min_row=2, values_only=True))
    assert cover["统计月份"] == f"{month:%Y-%m}" and cover["街道"] == "和平里街道" and cover["生成时间"]
    for area in figures["areas"]:
        rows = list(book[area["title"]].iter_rows(values_only=True))
        assert rows[0] == ("社区", *(c["label"] for c in area["columns"]))
        expected = [(r["name"], *(float(r["values"][c["key"]]) if c["kind"] in ("money", "hours")
                                  else r["values"][c["key"]] for c in area["columns"])) for r in area["rows"]]
        assert rows[1:len(expected) + 1] == expected
        # A sheet with a note ends with it (what its figures mean, as under the dashboard's table).
        assert rows[len(expected) + 1:] == ([(None,) * len(rows[0]), (f"说明：{area['note']}",
                                                                      *(None,) * (len(rows[0]) - 1))]
                                            if area.get("note") else [])
    population = {r[0]: r for r in book["人口与特殊群体"].iter_rows(values_only=True)}
    assert population["合计"][1] == 3 and population["东园社区"][1] == 2  # 刘新来 came after the month
    assert report.checksum == hashlib.sha256(bytes(report.content)).hexdigest()
    assert report.figures == figures  # the figures kept with the pack are the API's


def test_the_pack_leaves_out_a_payment_voided_since(admin, heping, registered):
    """Last month 张春露 was paid 600.00 and, by mistake, 6,000.00 on another case; the wrong one is voided
    today. The pack built now counts what was really paid."""
    from assistance import services as relief
    from tests.assistance.factories import CaseFactory, DisbursementFactory

    paid_on = previous_month() + timedelta(days=9)
    for amount in ("600.00", "6000.00"):
        case = CaseFactory(resident=registered[0], kind="medical", state="approved", requested_amount=Decimal(amount))
        payment = DisbursementFactory(case=case, amount=Decimal(amount), paid_on=paid_on, by=admin)
    relief.disbursement_void(actor=admin, payment=payment, reason="登记到了错误的案件")
    report = report_build(subdistrict=heping, month=previous_month(), actor=admin)
    rows = {r[0]: r for r in _book(report.content)["救助案件与发放"].iter_rows(values_only=True)}
    header = rows["社区"]
    assert rows["合计"][header.index("当月发放笔数")] == 1
    assert rows["合计"][header.index("当月发放金额（元）")] == 600


def test_building_a_month_again_adds_a_version_and_keeps_the_old(web, api, admin, heping, registered):
    month = previous_month()
    first = report_build(subdistrict=heping, month=month, actor=admin)
    second = report_build(subdistrict=heping, month=month, actor=admin)
    assert (first.version, second.version) == (1, 2)
    listed = api.as_(admin).get(f"/api/v1/reports/?month={month:%Y-%m}").json()["results"]
    assert [(r["version"], r["is_current"]) for r in listed] == [(2, True), (1, False)]
    assert listed[0]["download"].endswith(f"/api/v1/reports/{second.pk}/download/")
    page = web.as_(admin).get(reverse("reports")).content.decode()
    assert "第 2 版（当前）" in page and "第 1 版（历史）" in page
    assert AuditEntry.objects.filter(action="create", target_type="monthlyreport").count() == 2


def test_the_admin_builds_a_month_from_the_page(web, admin, heping, registered):
    month = previous_month()
    response = web.as_(admin).post(reverse("reports"), {"month": f"{month:%Y-%m}"}, follow=True)
    assert "已生成" in response.content.decode()
    assert MonthlyReport.objects.get(subdistrict=heping, month=month).made_by == admin
    bad = web.as_(admin).post(reverse("reports"), {"month": "2026-99"}, follow=True)
    assert "月份格式" in bad.content.decode() and MonthlyReport.objects.count() == 1


def test_a_failed_build_leaves_the_last_good_report_in_place(monkeypatch, admin, heping, registered):
    month = previous_month()
    good = report_build(subdistrict=heping, month=month, actor=admin)

    def broken(*args, **kwargs):
        raise OSError("磁盘已满")

    monkeypatch.setattr(reports, "write_book", broken)
    with pytest.raises(OSError):
        call_command("monthly_report", "--month", f"{month:%Y-%m}", stdout=io.StringIO())
    assert list(MonthlyReport.objects.values_list("pk", flat=True)) == [good.pk]
    assert MonthlyReport.objects.with_current().get().is_current


def test_the_scheduled_run_builds_last_month_once_for_each_sub_district(heping, qinglong, registered, settings):
    assert reports_build_scheduled() == 2
    assert reports_build_scheduled() == 0  # a second run (or a retry) writes nothing
    assert set(MonthlyReport.objects.values_list("subdistrict__name", "month", "version", "made_by")) == {
        ("和平里街道", previous_month(), 1, None), ("青龙街道", previous_month(), 1, None)}
    schedule = settings.CELERY_BEAT_SCHEDULE["build-monthly-reports"]
    assert schedule["task"] == "reports.build_monthly_reports_task"
    assert (schedule["schedule"].day_of_month, schedule["schedule"].hour, schedule["schedule"].minute) == (
        {1}, {2}, {0})


def test_the_command_says_what_is_wrong(heping):
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("monthly_report", "--month", "2026/10")
    with pytest.raises(CommandError, match="找不到街道"):
        call_command("monthly_report", "--subdistrict", "不存在街道")


def test_previous_month_crosses_the_year():
    assert previous_month(date(2027, 1, 1)) == date(2026, 12, 1)
    assert previous_month(date(2026, 11, 22)) == date(2026, 10, 1)


@pytest.mark.parametrize("persona", ["leader", "admin", "district"])
def test_readers_download_the_pack_and_each_download_is_logged(request, web, api, persona, heping, registered):
    report = report_build(subdistrict=heping, month=previous_month())
    user = request.getfixturevalue(persona)
    page = web.as_(user).get(reverse("report_download", args=[report.pk]))
    assert page.status_code == 200 and b"".join(page.streaming_content) == bytes(report.content)
    assert "attachment" in page["Content-Disposition"]
    via_api = api.as_(user).get(f"/api/v1/reports/{report.pk}/download/")
    assert via_api.status_code == 200 and via_api["X-Checksum-SHA256"] == report.checksum
    assert AuditEntry.objects.filter(action="export", actor=user, target_id=str(report.pk)).count() == 2


@pytest.mark.parametrize("persona", ["staff_east", "gridder", "auditor", "operator", "security",
                                     "district_security"])
def test_other_roles_get_no_reports(request, web, api, persona, heping, registered):
    report = report_build(subdistrict=heping, month=previous_month())
    user = request.getfixturevalue(persona)
    assert web.as_(user).get(reverse("reports")).status_code == 403
    assert web.as_(user).get(reverse("report_download", args=[report.pk])).status_code == 404
    assert api.as_(user).get("/api/v1/reports/").status_code == 403


def test_another_sub_districts_pack_is_not_found(web, api, other_admin, district, heping, qinglong, registered):
    ours = report_build(subdistrict=heping, month=previous_month())
    theirs = report_build(subdistrict=qinglong, month=previous_month())
    assert web.as_(other_admin).get(reverse("report_download", args=[ours.pk])).status_code == 404
    assert api.as_(other_admin).get(f"/api/v1/reports/{ours.pk}/download/").status_code == 404
    assert [r["id"] for r in api.as_(other_admin).get("/api/v1/reports/").json()["results"]] == [theirs.pk]
    assert {r["id"] for r in api.as_(district).get("/api/v1/reports/").json()["results"]} == {ours.pk, theirs.pk}


def test_the_report_lists_ask_a_fixed_number_of_questions(web, api, admin, heping, registered,
                                                          django_assert_num_queries):
    for months_back in range(1, 4):
        month = (timezone.localdate().replace(day=1) - timedelta(days=31 * months_back)).replace(day=1)
        report_build(subdistrict=heping, month=month)
    client, browser = api.as_(admin), web.as_(admin)
    # API: count, the page of reports with their sub-district and maker (2).
    with django_assert_num_queries(2):
        assert len(client.get("/api/v1/reports/").json()["results"]) == 3
    # Page: session, user (2), the authenticator that verified the session (1), count and the page (2), the
    # unread-reminders badge (1). The idle timer is written at most once a minute, not on this request.
    with django_assert_num_queries(6):
        assert browser.get(reverse("reports")).status_code == 200


def test_a_month_that_is_not_over_has_no_pack(web, admin, heping, registered):
    """A mid-month pack would stand for the month and keep the 1st's run from building the real one."""
    this_month = timezone.localdate().replace(day=1)
    with pytest.raises(CommandError, match="尚未结束"):
        call_command("monthly_report", "--month", f"{this_month:%Y-%m}", stdout=io.StringIO())
    page = web.as_(admin).post(reverse("reports"), {"month": f"{this_month:%Y-%m}"}, follow=True)
    assert "尚未结束" in page.content.decode() and not MonthlyReport.objects.exists()


def test_who_built_a_pack_is_kept(admin, heping, registered):
    month = previous_month()
    call_command("monthly_report", "--month", f"{month:%Y-%m}", stdout=io.StringIO())
    report_build(subdistrict=heping, month=month, actor=admin)
    reports_build_scheduled()  # the month has a pack: nothing more
    ours = MonthlyReport.objects.filter(subdistrict=heping).order_by("version")
    assert list(ours.values_list("made_via", "made_by")) == [("command", None), ("page", admin.pk)]
    cover = dict(_book(ours.first().content)["封面"].iter_rows(min_row=2, values_only=True))
    assert cover["生成人"] == "命令行"


def test_only_the_sub_districts_own_admin_builds_a_pack(web, leader, district, other_admin, heping, registered):
    month = previous_month()
    assert web.as_(leader).post(reverse("reports"), {"month": f"{month:%Y-%m}"}).status_code == 403
    assert "生成 / 重新生成" not in web.as_(leader).get(reverse("reports")).content.decode()
    assert web.as_(district).post(reverse("reports"), {"month": f"{month:%Y-%m}"}).status_code == 403
    with pytest.raises(PermissionDenied):
        report_build(subdistrict=heping, month=month, actor=other_admin)
    assert not MonthlyReport.objects.exists()


def test_the_bureau_reads_the_packs_by_sub_district_and_sees_whose_last_month_is_missing(
        web, district, heping, qinglong, registered):
    """郑区局 has two sub-districts: 和平里's last month is in, 青龙's is not; the list groups the packs
    by sub-district, and the picker shows one."""
    report_build(subdistrict=heping, month=previous_month())
    report_build(subdistrict=heping, month=previous_month())  # a second version
    report_build(subdistrict=qinglong, month=(previous_month() - timedelta(days=1)).replace(day=1))
    page = web.as_(district).get(reverse("reports"))
    overview = {s.name: (found.get("months"), found.get("versions"), has_last)
                for s, found, has_last in page.context["overview"]}
    assert overview == {"和平里街道": (1, 2, True), "青龙街道": (1, 1, False)}
    html = page.content.decode()
    assert "未生成" in html and html.index('scope="rowgroup">和平里街道') < html.index('scope="rowgroup">青龙街道')
    one = web.as_(district).get(reverse("reports") + f"?subdistrict={qinglong.pk}")
    assert {r.subdistrict_id for r in one.context["object_list"]} == {qinglong.pk}
    wrong = web.as_(district).get(reverse("reports") + "?subdistrict=abc")
    assert wrong.status_code == 200 and "没有这个街道" in wrong.content.decode()
