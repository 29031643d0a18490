"""The 东园 canteen at lunchtime: 吴服务 checks seniors in by ID card, or finds them by name when they
have no card; a second lunch is refused, an elder from outside the registry eats as a guest, and the
counter sees no registry and no other point."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from elderly_care import services
from elderly_care.models import Meal
from residents.id_numbers import make
from tests.factories import ServicePointFactory

from .conftest import _check_in

pytestmark = pytest.mark.django_db


def test_a_second_lunch_the_same_day_is_refused_with_a_clear_message(api, counter, zhang):
    _check_in(api, counter, id_number=zhang.id_number)
    again = _check_in(api, counter, id_number=zhang.id_number)
    assert again.status_code == 400
    assert "午餐已于" in again.json()["id_number"][0] and "不能重复登记" in again.json()["id_number"][0]
    assert Meal.objects.count() == 1
    assert _check_in(api, counter, id_number=zhang.id_number, meal="dinner").status_code == 201


def test_an_elder_from_outside_the_registry_eats_as_a_guest_at_full_price(api, counter):
    visitor = make("320102", date(1950, 5, 5), 3, female=False)
    body = _check_in(api, counter, id_number=visitor).json()
    assert (body["resident"], body["price"], body["subsidy"], body["rule"]) == (None, "15.00", "0.00",
                                                                                 "辖区外来宾（全价）")
    assert body["guest_id_number"] == visitor[:6] + "********" + visitor[-4:]
    assert _check_in(api, counter, id_number=visitor).status_code == 400


@pytest.mark.parametrize("payload, field", [
    ({"id_number": "110105194912310021"}, "id_number"), ({}, "id_number"), ({"meal": "supper"}, "meal"),
    ({"id_number": make("110105", date(1995, 1, 1), 5, female=False)}, "id_number"),  # too young
    ({"pick": "abc"}, "pick"),
])
def test_bad_check_ins_answer_400_and_record_nothing(api, counter, payload, field):
    response = api.as_(counter).post("/api/v1/meals/", {"meal": "lunch", **payload}, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Meal.objects.exists()


def test_the_operator_sees_no_registry_and_only_their_own_point(api, web, counter, zhang, heping):
    assert api.as_(counter).get("/api/v1/residents/").status_code == 403
    other = ServicePointFactory(subdistrict=heping, name="街道中心食堂")
    response = api.as_(counter).post("/api/v1/meals/", {"meal": "lunch", "id_number": zhang.id_number,
                                                        "point": other.pk}, format="json")
    assert response.status_code == 400  # not a point in their scope
    points = api.as_(counter).get("/api/v1/service-points/").json()["results"]
    assert [p["id"] for p in points] == [counter.service_point_id]
    assert web.as_(counter).get("/").url == reverse("care:checkin")


def test_the_counter_page_previews_the_price_then_confirms(web, counter, zhang):
    client = web.as_(counter)
    page = client.get(reverse("care:checkin") + f"?id_number={zhang.id_number}&meal=lunch")
    assert page.context["preview"]["quote"].price == Decimal("6.00")
    assert "确认登记" in page.content.decode()
    assert not Meal.objects.exists()  # a preview records nothing
    client.post(reverse("care:checkin"), {"id_number": zhang.id_number, "meal": "lunch"})
    assert Meal.objects.get().resident == zhang
    page = client.get(reverse("care:checkin"))
    assert page.context["today_count"] == 1


def _matches(client, q):
    return [r.name for r, _ in client.get(reverse("care:checkin"), {"q": q}).context["matches"]]


def test_without_a_card_the_operator_finds_a_diner_by_the_whole_name_or_two_characters_and_last_four(
        web, counter, zhang, wang, east1):
    client = web.as_(counter)
    assert _matches(client, "张春露") == ["张春露"]
    assert _matches(client, f"张春{zhang.id_number[-4:]}") == ["张春露"]
    assert _matches(client, f"张春 {zhang.id_number[-4:]}") == ["张春露"]
    assert _matches(client, "王建国") == []  # 王建国 is 41: not a diner here


@pytest.mark.parametrize("q", ["zcl", "w", "张", "张春", "LAST4", "张LAST4", "1391234"])
def test_the_counter_search_lists_nobody_from_a_fragment(web, counter, zhang, q):
    # Initials, a letter, one character, a name's start, the last four alone, a phone: each would list
    # residents nobody at the counter has a card for.
    q = q.replace("LAST4", zhang.id_number[-4:])
    assert _matches(web.as_(counter), q) == []


def test_the_counter_search_shows_no_address_or_full_number(web, counter, zhang):
    html = web.as_(counter).get(reverse("care:checkin"), {"q": "张春露"}).content.decode()
    assert "张春露" in html and "501" not in html and zhang.id_number not in html


def test_community_staff_at_a_shared_point_find_only_their_own_residents(web, staff_east, staff_west, zhang, heping):
    centre = ServicePointFactory(subdistrict=heping, community=None, kind="canteen", name="街道中心食堂")
    east = web.as_(staff_east).get(reverse("care:checkin"), {"point": centre.pk, "q": "张春露"})
    west = web.as_(staff_west).get(reverse("care:checkin"), {"point": centre.pk, "q": "张春露"})
    assert [r.name for r, _ in east.context["matches"]] == ["张春露"]
    assert list(west.context["matches"]) == []  # 张春露 lives in 东园: not 西园's staff's to look up


def test_the_preview_takes_no_resident_id_only_a_pick_made_at_this_counter(web, counter, zhang, heping):
    client = web.as_(counter)
    page = client.get(reverse("care:checkin"), {"resident": zhang.pk, "meal": "lunch"})
    assert "preview" not in page.context  # a raw id names nobody
    (_, pick), = client.get(reverse("care:checkin"), {"q": "张春露"}).context["matches"]
    page = client.get(reverse("care:checkin"), {"pick": pick, "meal": "lunch"})
    assert page.context["preview"]["name"] == "张春露"
    other = ServicePointFactory(subdistrict=heping, kind="canteen", name="街道中心食堂")
    forged = services.counter_pick(other, zhang)  # made at another point
    page = client.get(reverse("care:checkin"), {"pick": forged, "meal": "lunch"})
    assert "preview" not in page.context and "失效" in page.content.decode()
    client.post(reverse("care:checkin"), {"pick": pick, "meal": "lunch"})
    assert Meal.objects.get().resident == zhang


def test_a_second_point_is_not_named_to_another_counter(api, counter, heping, zhang, admin):
    centre = ServicePointFactory(subdistrict=heping, name="街道中心食堂")
    services.meal_check_in(operator=admin, point=centre, meal="lunch", resident=zhang)
    message = _check_in(api, counter, id_number=zhang.id_number).json()["id_number"][0]
    assert "其他服务点" in message and "中心食堂" not in message


def test_the_counter_says_the_price_as_money(web, counter, zhang):
    page = web.as_(counter).get(reverse("care:checkin") + f"?id_number={zhang.id_number}&meal=lunch")
    assert '<b class="price">6.00 元</b>' in page.content.decode() and "标准价 15.00 元" in page.content.decode()


def test_a_swipe_at_the_counter_asks_at_most_eight_queries(web, api, counter, zhang, li, django_assert_max_num_queries):
    """Lunchtime at 东园: one card after another. A swipe reads the session, the operator (with their point), the
    authenticator, the diner with their tags — and writes the meal and its audit entry in one transaction (the
    two savepoint statements are that transaction, inside the test's). The prices come from the cache."""
    browser = web.as_(counter)
    assert browser.post("/care/checkin/", {"meal": "breakfast", "id_number": li.id_number}).status_code == 302
    with django_assert_max_num_queries(8):
        assert browser.post("/care/checkin/", {"meal": "lunch", "id_number": zhang.id_number}).status_code == 302
    assert Meal.objects.filter(resident=zhang, meal="lunch").count() == 1
    # The same through the API with the counter's token: the token with its account and point in one query.
    from rest_framework.test import APIClient

    from jiedao.services import api_token_issue

    key, _ = api_token_issue(user=counter)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    with django_assert_max_num_queries(8):
        response = client.post("/api/v1/meals/", {"meal": "lunch", "id_number": li.id_number}, format="json")
        assert response.status_code == 201, response.content


def test_a_price_changed_on_the_pricing_page_is_the_next_swipes_price(admin, counter, heping,
                                                                       django_capture_on_commit_callbacks):
    """The counter's prices are cached: a change on /care/pricing/ (or in the admin) reaches the very next swipe,
    once it is committed."""
    from elderly_care.models import MealPrice

    assert services.meal_quote(subdistrict_id=heping.pk, meal="lunch", age=70, tags=[]).full_price == Decimal("15.00")
    with django_capture_on_commit_callbacks(execute=True):
        services.meal_prices_save(actor=admin, prices={"lunch": Decimal("18.00")})
    assert MealPrice.objects.get(subdistrict=heping, meal="lunch").full_price == Decimal("18.00")
    assert services.meal_quote(subdistrict_id=heping.pk, meal="lunch", age=70, tags=[]).full_price == Decimal("18.00")
    rule = services.PriceRule.objects.get(subdistrict=heping, label="70–79 岁")
    with django_capture_on_commit_callbacks(execute=True):
        rule.delete()  # as the admin site would
    assert services.meal_quote(subdistrict_id=heping.pk, meal="lunch", age=72, tags=[]).rule == "60–69 岁"
