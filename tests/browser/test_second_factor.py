"""刘新's first day: she signs in with her password, scans the QR code the portal draws (here: reads the key
printed under it, as an authenticator app would), types the code, keeps her recovery codes and reaches home.
Nothing is fetched from outside the portal on the way (the QR code is drawn by the app itself)."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.otp import code

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_a_newcomer_enrols_her_phone_at_the_first_sign_in(page: Page, live_server, heping, east):
    UserFactory(username="newcomer", first_name="刘新", subdistrict=heping, communities=[east], totp=False)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill("newcomer")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_role("heading", name="绑定身份验证器")).to_be_visible()
    qr = page.locator(".otp-qr svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 150 and box["height"] >= 150  # big enough for a phone's camera
    page.screenshot(path="/tmp/jiedao-enrol.png", full_page=True)
    secret = page.locator("#otp-secret").inner_text()
    page.locator("#id_code").fill(code(secret))
    page.get_by_role("button", name="完成绑定").click()

    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    assert re.fullmatch(r"[a-z2-7]{8}", codes.first.inner_text())
    page.get_by_role("link", name="我已保存，继续").click()
    expect(page.locator(".topbar .who")).to_contain_text("刘新")
    assert outside == []
