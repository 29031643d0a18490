"""钱领导 opens the dashboard: the charts are drawn in the browser from the app's own Chart.js (no
network), and a figure she clicks opens its list with the same number."""

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.signing_in import sign_in
from tests.factories import ResidentFactory
from visits.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_the_leader_reads_the_charts_and_follows_a_figure_to_its_list(page: Page, live_server, leader, east1,
                                                                       west1):

    zhang = ResidentFactory(name="张春露", grid=east1, birth=date(1938, 5, 2), tags=["living_alone"])
    # Something was done this month (else, on the 1st, the dashboard opens on last month, whose stock
    # figures have no list to follow).
    Visit.objects.create(resident=zhang, method="phone", visitor=leader, visited_at=timezone.now())
    ResidentFactory(name="王建国", grid=west1, birth=date(1950, 1, 20))
    ResidentFactory(name="赵小明", grid=west1, birth=date(2000, 3, 3))
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, leader.username)

    page.get_by_role("navigation").get_by_role("link", name="数据看板").click()
    expect(page.locator("h1")).to_contain_text("数据看板")
    page.wait_for_load_state("load")  # the heading is there before the scripts at the end have run
    # Chart.js drew on every canvas: each has a chart instance and non-blank pixels.
    drawn = page.evaluate("""() => Array.from(document.querySelectorAll('canvas')).map(c => {
        const chart = Chart.getChart(c);
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return !!chart && data.some((v, i) => i % 4 === 3 && v > 0);
    })""")
    assert drawn == [True] * 6
    page.screenshot(path="/tmp/jiedao-dashboard.png", full_page=True)
    page.locator(".stat", has_text="60 岁以上").click()
    expect(page.locator(".pagination")).to_contain_text("共 2 条")
    assert errors == [] and outside == []


@pytest.mark.parametrize("width", [390, 1366], ids=["phone", "desk"])
def test_the_leader_reads_the_volunteers_sheet_on_a_phone_and_a_desk(page: Page, live_server, leader, admin, east,
                                                                      east1, heping, width):
    """志愿服务: 陈小红 of 东园 served two hours this month, 杨帆 serves the whole sub-district; the sheet shows
    both rows and its note, and 当月活跃 of the total opens the volunteers who served, one of them."""
    from decimal import Decimal

    from tests.volunteers.factories import VolunteerFactory
    from volunteers.models import HoursEntry

    zhang = ResidentFactory(name="张春露", grid=east1, birth=date(1938, 5, 2), tags=["living_alone"])
    Visit.objects.create(resident=zhang, method="phone", visitor=leader, visited_at=timezone.now())
    xiaohong = VolunteerFactory(name="陈小红", community=east)
    VolunteerFactory(name="杨帆", community=None, subdistrict=heping)
    HoursEntry.objects.create(volunteer=xiaohong, date=timezone.localdate(), hours=Decimal("2.00"),
                              source="activity", project="楼道清理", by=admin)
    page.set_viewport_size({"width": width, "height": 844 if width < 500 else 768})
    sign_in(page, live_server.url, leader.username)
    page.goto(f"{live_server.url}/dashboard/")
    sheet = page.locator("section.card", has=page.locator("h2", has_text="志愿服务"))
    expect(sheet).to_be_visible()
    expect(sheet.locator("tr", has_text="街道（不分社区）")).to_be_visible()
    expect(sheet.locator("p.note")).to_contain_text("结对走访率")
    sheet.scroll_into_view_if_needed()
    page.screenshot(path=f"/tmp/jiedao-dashboard-volunteers-{width}.png", full_page=True)
    total = sheet.locator("tr.total")
    link = total.locator("td[data-label='当月活跃'] a")
    expect(link).to_have_text("1")
    link.click()
    expect(page.locator("h1")).to_contain_text("共 1 人，服务 2.00 小时")
