"""周网格's morning on her phone: 张春露's curtain is in the pact; she signs it in two taps."""

from datetime import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.signing_in import sign_in
from visits.models import CarePlan, Visit
from visits.services import default_rules_ensure

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_the_grid_worker_signs_the_curtain_pact_in_two_taps(page: Page, live_server, gridder, zhang, heping):
    default_rules_ensure(subdistrict=heping)
    CarePlan.objects.create(resident=zhang, curtain_pact=True, curtain_deadline=time(23, 59))
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, gridder.username)

    page.get_by_role("link", name="今日走访").first.click()  # tap one
    task = page.locator(".task", has_text="窗帘之约")
    expect(task).to_contain_text("张春露")
    task.get_by_role("button", name="窗帘已开").click()  # tap two
    expect(page.locator(".alert")).to_contain_text("已记录 张春露 今天的窗帘之约")
    expect(page.locator(".task", has_text="窗帘之约")).to_have_count(0)
    page.screenshot(path="/tmp/jiedao-day-phone.png", full_page=True)
    assert Visit.objects.get().method == "curtain_sign"
