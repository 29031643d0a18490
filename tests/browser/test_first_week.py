"""The office's first week, in a real browser (issue 13): what each role met doing their daily work.

王丽 reviews a case and reads that it now waits for the sub-district, not for her; 赵管理 mistypes a full
price and only that form complains; 钱领导 opens the dashboard on the 1st and finds the month that just
ended, named; 郑区局 reads two sub-districts grouped with a subtotal each, picks one, and finds every
sub-district's report packs. Amounts read as money (1,200.00 元) wherever they are shown.

Each test signs in with a session cookie (the login form has tests of its own); screenshots go to /tmp
(jiedao-week-*.png) for a person to look at.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from assistance import services as relief
from elderly_care import services as care
from residents.models import Resident
from tests.factories import CommunityFactory, GridFactory, ResidentFactory, ServicePointFactory
from visits.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def sign_in(page: Page, site: str, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": site}])


def last_month() -> date:
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


def test_after_her_review_wang_li_reads_that_the_case_waits_for_the_sub_district(page: Page, live_server,
                                                                                  staff_east, admin, li):
    case = relief.case_open(actor=staff_east, resident=li, kind="dibao", data={
        "reason": "丈夫去世，无固定收入", "household_size": 1, "monthly_income": Decimal("900"),
        "requested_amount": Decimal("1200")})
    sign_in(page, live_server.url, staff_east)
    page.goto(f"{live_server.url}/assistance/{case.pk}/")
    expect(page.locator("h1")).to_contain_text("待社区初审（社区工作人员）")
    expect(page.get_by_text("申请金额")).to_be_visible()
    expect(page.locator("dd", has_text="1,200.00 元")).to_be_visible()
    page.get_by_role("button", name="转入“社区初审”").click()
    expect(page.locator("h1")).to_contain_text("已社区初审 · 待街道审核（街道管理员）")
    expect(page.locator(".next-step")).to_contain_text("您无需操作")
    expect(page.get_by_role("button", name="转入“街道审核”")).to_have_count(0)
    page.screenshot(path="/tmp/jiedao-week-case.png", full_page=True)
    page.goto(f"{live_server.url}/assistance/")
    expect(page.locator("td[data-label='当前环节']")).to_have_text("待街道审核（街道管理员）")


def test_a_mistyped_full_price_flags_only_the_price_form(page: Page, live_server, admin, heping, east):
    care.default_pricing_ensure(subdistrict=heping)
    ServicePointFactory(community=east, kind="canteen", name="东园老年食堂")
    sign_in(page, live_server.url, admin)
    page.goto(f"{live_server.url}/care/pricing/")
    expect(page.get_by_text("午餐 15.00 元")).to_be_visible()
    sixty = page.locator("tr", has=page.locator("td[data-label='条件']", has_text="60 岁及以上"))
    expect(sixty.locator("td[data-label='午餐']")).to_have_text("12.00 元")  # 60+ pay 80%
    page.locator("#id_lunch").fill("-1")
    page.get_by_role("button", name="保存标准价").click()
    prices, rule = page.locator("form", has=page.locator("#id_lunch")), page.locator("form", has=page.locator(
        "#id_label"))
    expect(prices.locator(".error")).to_have_count(1)
    expect(prices.locator(".error")).to_contain_text("不能小于 0")  # the portal's words, in any browser
    expect(rule.locator(".error")).to_have_count(0)
    expect(rule.locator("#id_label")).to_have_value("")
    page.screenshot(path="/tmp/jiedao-week-pricing.png", full_page=True)


def test_on_the_first_the_leader_finds_the_month_that_just_ended(page: Page, live_server, leader, east1, gridder):
    zhang = ResidentFactory(name="张春露", grid=east1, birth=date(1938, 5, 2))
    Resident.objects.update(created_at=timezone.now() - timedelta(days=400))
    Visit.objects.create(resident=zhang, method="home", visitor=gridder, visited_at=datetime.combine(
        last_month() + timedelta(days=4), time(10), tzinfo=timezone.get_current_timezone()))
    sign_in(page, live_server.url, leader)
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("h1")).to_contain_text(f"数据看板 · {last_month():%Y-%m}（已结束）")
    expect(page.locator(".month-note")).to_contain_text(f"先显示上月 {last_month():%Y-%m} 的数据")
    expect(page.locator("input[name=month]")).to_have_value(f"{last_month():%Y-%m}")
    page.wait_for_load_state("load")
    assert page.evaluate("() => Array.from(document.querySelectorAll('canvas')).every(c => !!Chart.getChart(c))")


def test_the_bureau_reads_sub_districts_grouped_picks_one_and_finds_their_packs(page: Page, live_server, district,
                                                                                 heping, qinglong, east1, west1):
    from reports.services import previous_month, report_build

    ResidentFactory(name="张春露", grid=east1, birth=date(1938, 5, 2))
    ResidentFactory(name="王建国", grid=west1, birth=date(1950, 1, 20))
    # 青龙 has ten communities: picked, its chart must still name each one.
    for n in range(10):
        grid = GridFactory(community=CommunityFactory(subdistrict=qinglong, name=f"青龙{n}社区"), name="一网格")
        ResidentFactory(name=f"青龙居民{n}", grid=grid, birth=date(1950, 1, 1))
    Resident.objects.update(created_at=timezone.now() - timedelta(days=400))  # registered long before
    report_build(subdistrict=heping, month=previous_month())
    sign_in(page, live_server.url, district)
    page.goto(f"{live_server.url}/dashboard/")
    population = page.locator("section.card", has=page.get_by_role("heading", name="人口与特殊群体"))
    expect(population.locator("tr.subtotal")).to_have_count(2)
    expect(population.locator("tr.subtotal").first).to_contain_text("和平里街道 小计")
    expect(population.locator("tr.total")).to_contain_text("12")
    page.wait_for_load_state("load")
    labels = page.evaluate("() => Chart.getChart(document.getElementById('chart-population')).data.labels")
    assert labels == ["和平里街道", "青龙街道"]  # one bar per sub-district, not one per community
    page.screenshot(path="/tmp/jiedao-week-district.png", full_page=True)

    page.locator("select[name=subdistrict]").select_option(label="青龙街道")
    page.get_by_role("button", name="查看").click()
    expect(page.locator("h1")).to_contain_text("数据看板 · 青龙街道")
    expect(population.locator("tr.total")).to_contain_text("青龙街道 合计")
    page.wait_for_load_state("load")
    chart = page.evaluate("""() => { const c = Chart.getChart(document.getElementById('chart-population'));
        return {labels: c.data.labels.length, axis: c.options.indexAxis,
                height: c.canvas.parentNode.clientHeight}; }""")
    assert chart["labels"] == 10 and chart["axis"] == "y" and chart["height"] > 300  # bars lie down, box grows
    page.screenshot(path="/tmp/jiedao-week-district-one.png", full_page=True)

    page.goto(f"{live_server.url}/reports/")
    overview = page.locator("section.card", has=page.get_by_role("heading", name="各街道月报"))
    expect(overview.locator("tr", has_text="和平里街道")).to_contain_text("已生成")
    expect(overview.locator("tr", has_text="青龙街道")).to_contain_text("未生成")
    expect(page.locator("th[scope=rowgroup]")).to_have_text(["和平里街道"])
