"""What a meal costs: 赵管理 sets the full prices and the discount bands, and never lets the older pay
more; at the counter a diner pays the lowest share among the rules they match, and the price and rule
charged stay with the meal when the rules change."""

from decimal import Decimal

import pytest
from django.urls import reverse

from elderly_care.models import Meal, PriceRule

from .conftest import _check_in

pytestmark = pytest.mark.django_db


def test_an_85_year_old_pays_the_80_plus_share_and_the_rest_is_subsidy(api, counter, zhang):
    response = _check_in(api, counter, id_number=zhang.id_number.lower())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["resident"], body["name"], body["price"], body["subsidy"], body["rule"]) == (
        zhang.pk, "张春露", "6.00", "9.00", "80 岁以上")


def test_dibao_beats_the_age_band(api, counter, li):
    body = _check_in(api, counter, id_number=li.id_number).json()  # 68, on 低保: 20% beats 80%
    assert (body["price"], body["rule"]) == ("3.00", "低保")


def test_the_rule_applied_is_kept_when_the_rules_change(api, counter, zhang, heping):
    _check_in(api, counter, id_number=zhang.id_number)
    PriceRule.objects.filter(subdistrict=heping, min_age=80).update(pays_percent=10)
    meal = Meal.objects.get()
    assert (meal.price, meal.rule) == (Decimal("6.00"), "80 岁以上")


def test_the_admin_keeps_the_older_from_paying_more(web, admin, canteen):
    response = web.as_(admin).post(reverse("care:pricing"), {"label": "90 岁以上", "min_age": "90",
                                                             "pays_percent": "50"})
    assert "年龄越大付费不能越高" in response.context["form"].errors["pays_percent"][0]
    web.as_(admin).post(reverse("care:pricing"), {"label": "90 岁以上", "min_age": "90", "pays_percent": "0"})
    assert PriceRule.objects.filter(min_age=90, pays_percent=0).exists()


def test_the_admin_sets_the_full_prices(web, admin, canteen):
    from elderly_care.models import MealPrice

    web.as_(admin).post(reverse("care:pricing"), {"prices": "1", "breakfast": "4", "lunch": "16.5", "dinner": "12"})
    assert MealPrice.objects.get(meal="lunch").full_price == Decimal("16.50")
    bad = web.as_(admin).post(reverse("care:pricing"), {"prices": "1", "breakfast": "-1", "lunch": "x", "dinner": ""})
    assert set(bad.context["prices_form"].errors) == {"breakfast", "lunch", "dinner"}


def test_a_first_canteen_saved_by_the_admin_starts_with_the_default_prices(web, admin):
    from django.urls import reverse

    from elderly_care.models import MealPrice, PriceRule

    web.as_(admin).post(reverse("residents:point_create"), {"kind": "canteen", "name": "东园老年食堂", "active": "on"})
    assert MealPrice.objects.filter(subdistrict=admin.subdistrict, meal="lunch").get().full_price == 15
    assert PriceRule.objects.filter(subdistrict=admin.subdistrict).count() == 6


def test_a_bad_full_price_flags_only_the_prices_form_not_the_untouched_rule_form(web, admin, canteen):
    """赵管理 mistypes a full price: the 标准价 form shows its error, the 新增规则 form she never touched
    stays blank and quiet; and a bad rule leaves the 标准价 form as it stands."""
    bad = web.as_(admin).post(reverse("care:pricing"), {"prices": "1", "breakfast": "4", "lunch": "x", "dinner": "12"})
    assert set(bad.context["prices_form"].errors) == {"lunch"}
    assert not bad.context["form"].is_bound and not bad.context["form"].errors
    assert bad.content.decode().count('class="error') == 1  # one message, at 午餐标准价
    rule = web.as_(admin).post(reverse("care:pricing"), {"label": "90 岁以上", "min_age": "90", "pays_percent": "50"})
    assert rule.context["form"].errors and not rule.context["prices_form"].is_bound


def test_the_pricing_page_shows_prices_as_money(web, admin, canteen):
    page = web.as_(admin).get(reverse("care:pricing")).content.decode()
    assert "15.00 元" in page  # lunch at full price
    assert "12.00 元" in page  # lunch for 60+ (80%)
