"""Signing in as a person does: the login page with the password, then the code the persona's authenticator
shows now (tests/otp.py computes it from the secret every persona's device holds).

A code is accepted once per device, so each test signs a persona in once and keeps that browser page (its
session) for the rest of the test; each test's database is new, and so is each persona's device."""

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.otp import code


def sign_in(page: Page, site: str, username: str, *, greeting: str | None = None) -> None:
    page.goto(f"{site}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="动态验证码")).to_be_visible()
    page.locator("#id_code").fill(code())
    page.get_by_role("button", name="验证").click()
    # The top bar greets the person once the session has passed both steps.
    expect(page.locator(".topbar .who")).to_contain_text(greeting or "")
