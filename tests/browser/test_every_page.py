"""Every page, as every role of the demo, at a phone's width (390 px) and a desk's (1366 px).

Each role starts from its menu and follows the links it is shown, one page per route (a list, a detail,
a form), the way a new user clicks through their first day. On each page, at each width:
- it opens (a link a role is shown never leads to a refusal or an error);
- nothing runs off the side: the page is no wider than the window, and on a desk no table scrolls or is
  cut off inside its box (on a phone a wide table of figures may scroll within its box);
- on a phone every form field is as wide as its place and big enough for a thumb;
- on a phone, where a table of records turns into a card per row, every value but the first is labelled;
- the window title is text (no markup leaked into it).
A screenshot of each goes to /tmp/jiedao-pages/ (role-route-width.png) for a person to look through.

This walk is long (about 600 page loads), so it runs in the SQLite pass of CI only.
"""

import os
import re
from io import StringIO
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve
from playwright.sync_api import Error, Page

from elderly_care import services as care
from jiedao.menu import menu_for
from jiedao.models import User

pytestmark = [
    pytest.mark.browser, pytest.mark.usefixtures("transactional_db"),
    pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="the page walk runs in CI's SQLite pass"),
]

WIDTHS = {"phone": {"width": 390, "height": 844}, "desk": {"width": 1366, "height": 768}}
ROLES = ["admin", "leader", "staff1", "grid1", "point1", "team1", "auditor", "security", "district"]
SHOTS = Path("/tmp/jiedao-pages")
# Not pages: downloads (exports, documents, report packs), the API and its docs, signing out.
NOT_PAGES = re.compile(r"^/(api/|static/|accounts/logout)|format=xlsx|/download|/documents/\d+|/file/")

OVERFLOW = r"""(desk) => {
  const found = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1) found.push(`页面宽 ${doc.scrollWidth}px，窗口 ${doc.clientWidth}px`);
  // On a phone a table of records becomes one card per row: every value says what it is.
  for (const cell of document.querySelectorAll("table.table td:not([data-label]):not([colspan])")) {
    const head = cell.closest("table").querySelector("thead");
    const text = cell.textContent.trim();
    const actions = [...cell.querySelectorAll("a, button")].map((el) => el.textContent).join("").trim();
    if (!desk && head && getComputedStyle(head).display === "none" && text && cell.cellIndex > 0
        && text.replace(/\s/g, "") !== actions.replace(/\s/g, "")) {  // a cell of buttons says what it does
      found.push(`无标签的值「${cell.textContent.trim().slice(0, 20)}」`);
      break;
    }
  }
  // A field a thumb can hit and read: as wide as its place in the form and at least 38 px high.
  if (!desk) {
    for (const input of document.querySelectorAll(
        ".field :is(input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea)")) {
      const box = input.getBoundingClientRect(), room = input.parentElement.getBoundingClientRect();
      if (box.width && (box.height < 38 || box.width < room.width * 0.9)) {
        found.push(`输入框太小 ${input.name || input.type}：${Math.round(box.width)}×${Math.round(box.height)}px`);
      }
    }
  }
  if (desk) {
    for (const el of document.querySelectorAll("main *")) {
      const style = getComputedStyle(el);
      if (["auto", "scroll", "hidden"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
        const what = el.className || el.tagName.toLowerCase();
        found.push(`${what} 内容宽 ${el.scrollWidth}px，框宽 ${el.clientWidth}px`);
      }
    }
  }
  return found;
}"""


@pytest.fixture
def browser_context_args(browser_context_args):
    # As the offices' browsers are set: dates and times in Chinese (年/月/日 上午 9:30).
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def _sign_in(page: Page, site: str, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": site}])


def _lunch_served_today() -> None:
    """Two diners at the counter today, so that its 今日已登记 list has rows to read on a phone."""
    operator = User.objects.get(username="point1")
    for resident in care.eligible_residents(operator.service_point).order_by("pk")[:2]:
        care.meal_check_in(operator=operator, point=operator.service_point, meal="lunch", resident=resident)


def _a_ledger_read() -> None:
    """staff1's community ledger uploaded and read, waiting to be confirmed: the import pages (the run, its
    columns) are reached from the import list."""
    from jiedao.imports import import_run_create
    from residents.imports import RESIDENTS
    from tests.residents.import_books import book, number, upload

    staff = User.objects.get(username="staff1")
    community = staff.communities.get()
    grid = community.grids.order_by("id").first()
    rows = [["孙大爷", number(1, female=False), "13900000001"], ["孙大爷", number(1, female=False), ""],
            ["钱大妈", number(2), "139-0000-0002"]]
    import_run_create(user=staff, import_list=RESIDENTS, params={"community": community.pk, "grid": grid.pk},
                      upload=upload(book(rows, header=["姓名", "身份证号码", "联系电话"])))


def _route(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route


def test_every_page_opens_and_fits_a_phone_and_a_desk_for_every_role(page: Page, live_server):
    call_command("seed_demo", residents=300, stdout=StringIO())
    _lunch_served_today()
    _a_ledger_read()
    SHOTS.mkdir(exist_ok=True)
    problems, walked = [], 0
    for username in ROLES:
        user = User.objects.get(username=username)
        _sign_in(page, live_server.url, user)
        queue, seen = [entry["url"] for entry in menu_for(user)], set()
        while queue:
            url = queue.pop(0)
            route = _route(urlsplit(url).path)
            if route is None or route in seen or NOT_PAGES.search(url):
                continue
            seen.add(route)
            for width, size in WIDTHS.items():
                page.set_viewport_size(size)
                try:
                    response = page.goto(live_server.url + url)
                except Error as error:  # a link that downloads a file is not a page
                    if "Download is starting" in str(error):
                        break
                    raise
                walked += 1
                where = f"{username} {url} ({width})"
                if response is None or response.status >= 400:
                    problems.append(f"{where}: 打开得到 {response and response.status}")
                    break
                for overflow in page.evaluate(OVERFLOW, width == "desk"):
                    problems.append(f"{where}: {overflow}")
                if "<" in page.title():
                    problems.append(f"{where}: 标题里有标记 {page.title()!r}")
                name = re.sub(r"[^a-z0-9]+", "-", route.lower()).strip("-") or "home"
                page.screenshot(path=SHOTS / f"{username}-{name}-{width}.png", full_page=True)
            else:
                hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
                for href in hrefs:
                    target = urlsplit(urljoin(live_server.url + url, href))
                    if f"{target.scheme}://{target.netloc}" == live_server.url:
                        queue.append(target.path + (f"?{target.query}" if target.query else ""))
    assert problems == [], "\n".join(problems)
    assert walked > 250  # 8 roles, each over its routes, at two widths
