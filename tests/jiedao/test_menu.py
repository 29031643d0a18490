"""Every page a role works from is in its menu, and the menu offers nothing the page would refuse: 王丽
finds 救助发放 and 助餐记录 there, the admin 救助标准 and 助餐价格, the counter's operator 助餐登记."""

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from jiedao.menu import MENU, menu_for
from tests.factories import ServicePointFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["admin", "leader", "staff_east", "gridder", "operator", "team_leader", "auditor", "security", "district",
            "district_security"]
# Pages reached from elsewhere, not from the menu: the API, sign-in and one's own account, one's exports
# (beside one's name), and the forms that create a record (each list's button). The home page is the brand.
REACHED_ELSEWHERE = ("api/", "accounts/", "exports/")


def _pages_without_parameters(resolver=None, prefix=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _pages_without_parameters(pattern, route)
        elif route and "<" not in route and not route.startswith(REACHED_ELSEWHERE) and not route.endswith("new/"):
            yield "/" + route


def _public_pages():
    """Pages for people without an account (the wish wall, a programme's sign-up): reached from a poster,
    a slip or a message, not from a menu."""
    anonymous = Client()
    return [url for url in _pages_without_parameters() if anonymous.get(url).status_code == 200]


@pytest.fixture
def canteen(east, operator):
    """The east community's canteen, where 吴服务 works the counter."""
    point = ServicePointFactory(community=east)
    operator.service_point = point
    operator.save()
    return point


def test_the_menu_names_each_page_once():
    assert len({name for _, name in MENU}) == len(MENU) and len({label for label, _ in MENU}) == len(MENU)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_a_role_may_open_is_in_its_menu_and_every_entry_opens(request, web, canteen, persona):
    user = request.getfixturevalue(persona)
    client = web.as_(user)
    menu = {entry["url"] for entry in menu_for(user)}
    assert menu, persona
    for url in sorted(set(_pages_without_parameters()) - set(_public_pages())):
        status = client.get(url).status_code
        assert status in (200, 403), (persona, url, status)
        assert (status == 200) == (url in menu), (persona, url, status)


def test_the_menu_on_the_page_is_the_roles_menu(web, staff_east, operator, canteen):
    page = web.as_(staff_east).get("/residents/").content.decode()
    for label in ("救助发放", "助餐记录", "走访记录", "提醒"):
        assert f">{label}" in page
    assert '>救助标准<' not in page and ">助餐价格<" not in page and ">审计日志<" not in page
    counter = web.as_(operator).get("/care/checkin/").content.decode()
    assert ">助餐登记<" in counter and ">居民<" not in counter


def test_the_admin_finds_the_standards_and_the_prices(web, admin):
    page = web.as_(admin).get("/residents/").content.decode()
    assert ">救助标准<" in page and ">助餐价格<" in page and 'aria-current="page">居民<' in page
