"""When something does break: the error pages are the portal's own and offer the way back.

The 500 page is rendered by django.views.defaults.server_error without the request: no context processors,
and no database (which may be what broke). The view that raises is this module's, for these tests only.
"""

import pytest
from django.test import Client, RequestFactory
from django.urls import path
from django.views.defaults import server_error

from jiedao.urls import urlpatterns as portal


def _boom(request):
    raise RuntimeError("something broke")


urlpatterns = [path("boom/", _boom), *portal]


def _looks_like_the_portal(page: str) -> None:
    assert "/static/css/jiedao.css" in page and "街道民政服务平台" in page  # the portal's header and style
    assert "返回上一页" in page and "/static/js/back.js" in page
    assert '<a class="btn" href="/">返回首页</a>' in page


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_a_server_error_shows_the_portals_500_page_with_the_way_back(settings, staff_east):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(staff_east)
    response = client.get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    _looks_like_the_portal(page)
    assert "系统出错了" in page and "没有被保存" in page
    assert "退出" not in page  # no request, so no user and no menu


def test_the_500_page_needs_neither_a_request_nor_the_database():
    # No database access is allowed in this test: a template that queried would fail it.
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    _looks_like_the_portal(response.content.decode())


@pytest.mark.django_db
def test_the_400_and_404_pages_offer_the_way_back_too(staff_east):
    client = Client(raise_request_exception=False)
    client.force_login(staff_east)
    for response in (client.get("/residents/", {"search": "\x00"}), client.get("/residents/999999/")):
        assert response.status_code in (400, 404)
        _looks_like_the_portal(response.content.decode())
        assert "退出" in response.content.decode()  # with a request: the user's menu is there
