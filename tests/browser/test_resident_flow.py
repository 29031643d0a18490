"""王丽's day at the 东园 community office, in a real browser.

王丽 (community staff of 东园社区) logs in through the login form, finds 张春露 in the resident
list by typing pinyin initials, and registers a new resident — first mistyping the ID number, then
correcting it. The unit tests check each piece; these check that the pieces meet in the page:
the form posts, the CSRF cookie travels, the error lands next to the right field, and the
redirect lands on the new resident.

Screenshots go to /tmp (jiedao-list.png, jiedao-phone.png, jiedao-form-error.png) so that a person
can look at how the pages render; nothing asserts on them.
"""

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from residents import id_numbers
from residents.models import Resident
from tests.browser.signing_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

# The resident 王丽 registers: born 1 January 1950, female (an even sequence digit).
NEW_NAME = "刘桂芳"
GOOD_ID = id_numbers.make("110105", date(1950, 1, 1), 7, female=True)
# Same number with the wrong last character: 18 characters and a real date, so only the check
# digit is wrong — the mistake a clerk makes when copying a number by hand.
BAD_ID = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")


def log_in(page: Page, site: str, username: str) -> None:
    """Log in through the real forms, password then code, as a person would (no force_login: the forms are
    under test)."""
    sign_in(page, site, username, greeting="王丽")


def resident_rows(page: Page):
    return page.locator("#resident-table tbody tr")


def test_staff_finds_a_resident_by_pinyin_initials(page: Page, live_server, staff_east, zhang, li, wang):
    site = live_server.url
    log_in(page, site, staff_east.username)

    # The list shows her own community's residents only: 王建国 lives in 西园, outside her scope.
    page.goto(f"{site}/residents/")
    expect(page.get_by_role("heading", name="居民名册")).to_be_visible()
    expect(resident_rows(page).filter(has_text="张春露")).to_have_count(1)
    expect(resident_rows(page).filter(has_text="李秀英")).to_have_count(1)
    expect(page.locator("#resident-table")).not_to_contain_text("王建国")
    page.screenshot(path="/tmp/jiedao-list.png", full_page=True)

    # Staff type initials rather than switch input methods: "zcl" is 张Zhang 春Chun 露Lu.
    page.locator("#id_search").fill("zcl")
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"[?&]search=zcl"))
    expect(resident_rows(page)).to_have_count(1)
    expect(resident_rows(page).first).to_contain_text("张春露")
    # Her row carries the 独居 tag the fixture gave her, and the ID number is masked in the list.
    expect(resident_rows(page).first).to_contain_text("独居")
    expect(page.locator("#resident-table")).not_to_contain_text(zhang.id_number)

    # The same list on a phone (grid workers use it in the stairwell).
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site}/residents/")
    expect(resident_rows(page).filter(has_text="张春露")).to_have_count(1)
    page.screenshot(path="/tmp/jiedao-phone.png", full_page=True)


def test_staff_registers_a_resident_after_fixing_a_mistyped_id_number(page: Page, live_server, staff_east,
                                                                      east1, zhang):
    site = live_server.url
    log_in(page, site, staff_east.username)

    # She starts from the list's "登记居民" button, the way she would find it.
    page.goto(f"{site}/residents/")
    page.get_by_role("link", name="登记居民").click()
    expect(page).to_have_url(f"{site}/residents/new/")
    expect(page.get_by_role("heading", name="登记居民")).to_be_visible()

    # First attempt: the ID number's check digit is wrong.
    page.locator("#id_name").fill(NEW_NAME)
    page.locator("#id_id_number").fill(BAD_ID)
    page.locator("#id_phone").fill("13800001234")
    page.locator("#id_grid").select_option(value=str(east1.pk))
    page.locator("#id_estate").fill("和平里一区")
    page.get_by_role("button", name="保存").click()

    # The page comes back with a Chinese message under the ID field itself (not a generic banner),
    # and what she typed is still there to correct.
    id_field = page.locator(".field", has=page.locator("#id_id_number"))
    expect(id_field).to_have_class(re.compile(r"\bhas-error\b"))
    expect(id_field.locator(".error")).to_contain_text("校验位")
    expect(page.locator("#id_name")).to_have_value(NEW_NAME)
    expect(page.locator("#id_grid")).to_have_value(str(east1.pk))
    page.screenshot(path="/tmp/jiedao-form-error.png", full_page=True)
    assert not Resident.objects.filter(name=NEW_NAME).exists()

    # Second attempt with the right number: saved, and she lands on the new resident's page.
    page.locator("#id_id_number").fill(GOOD_ID)
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(site)}/residents/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(NEW_NAME)
    # Sex and birth date come from the number, not from anything she typed.
    expect(page.locator("dl.facts")).to_contain_text("1950-01-01")
    expect(page.locator("dl.facts")).to_contain_text("女")
    expect(page.locator("dl.facts")).to_contain_text("东园社区 · 东一网格")

    # The database agrees, and knows who registered her.
    created = Resident.objects.get(name=NEW_NAME)
    assert created.id_number == GOOD_ID
    assert created.created_by == staff_east
    assert page.url.endswith(f"/residents/{created.pk}/")

    # Back in the list, the new resident is there beside 张春露.
    page.get_by_role("navigation").get_by_role("link", name="居民").click()
    expect(page).to_have_url(f"{site}/residents/")
    expect(resident_rows(page).filter(has_text=NEW_NAME)).to_have_count(1)
    expect(resident_rows(page).filter(has_text="张春露")).to_have_count(1)
