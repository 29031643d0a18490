"""The 东园 canteen at lunchtime: 吴服务 checks seniors in by ID card and the price follows the rules."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from elderly_care import services
from elderly_care.models import Meal, PriceRule, ServicePoint
from residents.id_numbers import make
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def canteen(heping, east):
    services.default_pricing_ensure(subdistrict=heping)  # lunch 15.00; 60+ 80%, 70+ 60%, 80+ 40%, 低保 20%
    return ServicePoint.objects.create(subdistrict=heping, community=east, kind="canteen", name="东园老年食堂")


@pytest.fixture
def counter(operator, canteen):
    operator.service_point = canteen
    operator.save()
    return operator


def _check_in(api, user, **payload):
    return api.as_(user).post("/api/v1/meals/", {"meal": "lunch", **payload}, format="json")


def test_an_85_year_old_pays_the_80_plus_share_and_the_rest_is_subsidy(api, counter, zhang):
    response = _check_in(api, counter, id_number=zhang.id_number.lower())
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["resident"], body["name"], body["price"], body["subsidy"], body["rule"]) == (
        zhang.pk, "张春露", "6.00", "9.00", "80 岁以上")


def test_dibao_beats_the_age_band(api, counter, li):
    body = _check_in(api, counter, id_number=li.id_number).json()  # 68, on 低保: 20% beats 80%
    assert (body["price"], body["rule"]) == ("3.00", "低保")


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
    ({"resident": "abc"}, "resident"),
])
def test_bad_check_ins_answer_400_and_record_nothing(api, counter, payload, field):
    response = api.as_(counter).post("/api/v1/meals/", {"meal": "lunch", **payload}, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Meal.objects.exists()


def test_the_rule_applied_is_kept_when_the_rules_change(api, counter, zhang, heping):
    _check_in(api, counter, id_number=zhang.id_number)
    PriceRule.objects.filter(subdistrict=heping, min_age=80).update(pays_percent=10)
    meal = Meal.objects.get()
    assert (meal.price, meal.rule) == (Decimal("6.00"), "80 岁以上")


def test_the_operator_sees_no_registry_and_only_their_own_point(api, web, counter, zhang, heping):
    assert api.as_(counter).get("/api/v1/residents/").status_code == 403
    other = ServicePoint.objects.create(subdistrict=heping, kind="canteen", name="街道中心食堂")
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


def test_without_a_card_the_operator_finds_eligible_diners_by_pinyin(web, counter, zhang, wang, east1):
    page = web.as_(counter).get(reverse("care:checkin") + "?q=zcl")
    assert [r.name for r in page.context["matches"]] == ["张春露"]
    page = web.as_(counter).get(reverse("care:checkin") + "?q=wjg")  # 王建国 is 41: not a diner here
    assert list(page.context["matches"]) == []


def test_the_monthly_stats_count_meals_diners_and_subsidy_per_point(api, web, counter, zhang, li, staff_east):
    _check_in(api, counter, id_number=zhang.id_number)
    _check_in(api, counter, id_number=zhang.id_number, meal="dinner")
    _check_in(api, counter, id_number=li.id_number)
    stats = api.as_(staff_east).get("/api/v1/meals/stats/").json()
    assert stats["by_point"] == [{"point": counter.service_point_id, "name": "东园老年食堂", "meals": 3, "diners": 2,
                                  "paid": "13.80", "subsidy": "28.20"}]
    assert api.as_(staff_east).get("/api/v1/meals/stats/?month=13-2026").status_code == 400
    page = web.as_(staff_east).get(reverse("care:stats"))
    assert page.context["stats"]["totals"]["meals"] == 3


def test_the_admin_keeps_the_older_from_paying_more(web, admin, canteen):
    response = web.as_(admin).post(reverse("care:pricing"), {"label": "90 岁以上", "min_age": "90",
                                                             "pays_percent": "50"})
    assert "年龄越大付费不能越高" in response.context["form"].errors["pays_percent"][0]
    web.as_(admin).post(reverse("care:pricing"), {"label": "90 岁以上", "min_age": "90", "pays_percent": "0"})
    assert PriceRule.objects.filter(min_age=90, pays_percent=0).exists()


def test_the_admin_manages_service_points_and_others_only_read(web, admin, staff_east, canteen):
    client = web.as_(admin)
    client.post(reverse("residents:point_create"),
                {"kind": "happiness_station", "name": "东园幸福驿站", "active": "on"})
    assert ServicePoint.objects.filter(name="东园幸福驿站", subdistrict=admin.subdistrict).exists()
    assert web.as_(staff_east).get(reverse("residents:point_create")).status_code == 403
    assert len(web.as_(staff_east).get(reverse("residents:points")).context["object_list"]) == 2


def test_the_meal_and_point_lists_do_not_grow_queries_with_rows(api, counter, staff_east, canteen, east1):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(6):
        resident = ResidentFactory(name=f"老人{i}", grid=east1, birth=date(1940, 1, 1 + i))
        _check_in(api, counter, resident=resident.pk)
    client = api.as_(staff_east)
    client.get("/api/v1/meals/")
    counts = []
    for size in (1, 50):
        with CaptureQueriesContext(connection) as ctx:
            client.get(f"/api/v1/meals/?page_size={size}")
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_the_delivery_round_lists_the_enrolled_and_records_why_a_meal_did_not_arrive(web, counter, staff_east,
                                                                                     zhang, li):
    from elderly_care.models import CareEnrolment, MealDelivery

    today = date.today()
    CareEnrolment.objects.create(resident=zhang, kind="meal_delivery", point=counter.service_point, since=today)
    client = web.as_(counter)
    rows = client.get(reverse("care:deliveries")).context["rows"]
    assert [r["resident"].name for r in rows] == ["张春露"] and rows[0]["delivery"] is None
    enrolment = rows[0]["enrolment"]
    refused = client.post(reverse("care:deliveries"), {"enrolment": enrolment.pk, "status": "missed", "reason": ""},
                          follow=True)
    assert "请写明未送达的原因" in refused.content.decode() and not MealDelivery.objects.exists()
    client.post(reverse("care:deliveries"), {"enrolment": enrolment.pk, "status": "missed", "reason": "住院"})
    client.post(reverse("care:deliveries"), {"enrolment": enrolment.pk, "status": "delivered"})  # corrected
    delivery = MealDelivery.objects.get()
    assert (delivery.status, delivery.reason) == ("delivered", "")
    stats = web.as_(staff_east).get(reverse("care:stats")).context["stats"]
    assert stats["deliveries"][0]["delivered"] == 1


def test_staff_enrol_a_home_care_bed_once_and_others_cannot(web, staff_east, staff_west, zhang, wang):
    from elderly_care.models import CareEnrolment

    client = web.as_(staff_east)
    data = {"resident": zhang.pk, "kind": "home_care_bed", "provider": "和平里居家养老服务有限公司",
            "since": "2026-10-01"}
    assert client.post(reverse("care:enrolment_create"), data).status_code == 302
    again = client.post(reverse("care:enrolment_create"), data)
    assert "已登记此项服务" in str(again.context["form"].errors)
    outside = client.post(reverse("care:enrolment_create"), {**data, "resident": wang.pk})
    assert "resident" in outside.context["form"].errors
    delivery_without_point = client.post(reverse("care:enrolment_create"), {**data, "kind": "meal_delivery"})
    assert "送餐须选择服务点" in str(delivery_without_point.context["form"].errors)
    assert CareEnrolment.objects.count() == 1


def test_the_admin_creates_an_operator_account_at_a_point(web, admin, canteen):
    from jiedao.models import User

    response = web.as_(admin).post(reverse("manage:user_create"), {
        "username": "point9", "role": "point_operator", "password": "Point-operator-2026", "is_active": "on"})
    assert "service_point" in response.context["form"].errors
    web.as_(admin).post(reverse("manage:user_create"), {
        "username": "point9", "role": "point_operator", "service_point": canteen.pk,
        "password": "Point-operator-2026", "is_active": "on"})
    assert User.objects.get(username="point9").service_point == canteen


def test_the_service_log_of_a_home_care_bed(web, staff_east, staff_west, zhang):
    from elderly_care.models import CareEnrolment, ServiceLog

    bed = CareEnrolment.objects.create(resident=zhang, kind="home_care_bed", provider="居家养老公司",
                                       since=date(2026, 10, 1))
    web.as_(staff_east).post(reverse("care:service_log_add", args=[bed.pk]), {"notes": "助浴"})
    web.as_(staff_east).post(reverse("care:service_log_add", args=[bed.pk]), {"notes": "  "})
    assert list(ServiceLog.objects.values_list("notes", flat=True)) == ["助浴"]
    assert web.as_(staff_west).post(reverse("care:service_log_add", args=[bed.pk]), {"notes": "x"}).status_code == 404
    page = web.as_(staff_east).get(reverse("care:enrolment_update", args=[bed.pk]))
    assert "助浴" in page.content.decode()


def test_the_counter_search_finds_no_one_by_phone_and_shows_no_address(web, counter, zhang):
    client = web.as_(counter)
    assert list(client.get(reverse("care:checkin") + "?q=1391234").context["matches"]) == []
    page = client.get(reverse("care:checkin") + f"?q={zhang.id_number[-4:]}")
    assert [r.name for r in page.context["matches"]] == ["张春露"]
    html = page.content.decode()
    assert "501" not in html and zhang.id_number not in html


def test_staff_see_only_their_own_residents_meals_at_a_shared_point(api, heping, zhang, wang, staff_west, admin):
    services.default_pricing_ensure(subdistrict=heping)
    centre = ServicePoint.objects.create(subdistrict=heping, kind="canteen", name="街道中心食堂")
    services.meal_check_in(operator=admin, point=centre, meal="lunch", resident=zhang)
    assert api.as_(staff_west).get("/api/v1/meals/").json()["count"] == 0
    assert api.as_(admin).get("/api/v1/meals/").json()["count"] == 1


def test_a_second_point_is_not_named_to_another_counter(api, counter, heping, zhang, admin):
    centre = ServicePoint.objects.create(subdistrict=heping, kind="canteen", name="街道中心食堂")
    services.meal_check_in(operator=admin, point=centre, meal="lunch", resident=zhang)
    message = _check_in(api, counter, id_number=zhang.id_number).json()["id_number"][0]
    assert "其他服务点" in message and "中心食堂" not in message


@pytest.mark.parametrize("post, words", [
    ({"status": "foo"}, "请选择"), ({"status": ""}, "请选择"), ({"status": "missed", "reason": "x" * 300}, "200"),
    ({"status": "delivered", "date": "1990-01-01"}, "一个月"), ({"enrolment": "abc", "status": "delivered"}, None),
])
def test_bad_delivery_records_are_refused(web, counter, zhang, post, words):
    from elderly_care.models import CareEnrolment, MealDelivery

    enrolment = CareEnrolment.objects.create(resident=zhang, kind="meal_delivery", point=counter.service_point,
                                             since=date(2026, 1, 1))
    response = web.as_(counter).post(reverse("care:deliveries"), {"enrolment": enrolment.pk, **post}, follow=True)
    assert response.status_code == (404 if words is None else 200)
    if words:
        assert words in response.content.decode()
    assert not MealDelivery.objects.exists()


def test_the_admin_sets_the_full_prices(web, admin, canteen):
    from elderly_care.models import MealPrice

    web.as_(admin).post(reverse("care:pricing"), {"prices": "1", "breakfast": "4", "lunch": "16.5", "dinner": "12"})
    assert MealPrice.objects.get(meal="lunch").full_price == Decimal("16.50")
    bad = web.as_(admin).post(reverse("care:pricing"), {"prices": "1", "breakfast": "-1", "lunch": "x", "dinner": ""})
    assert set(bad.context["prices_form"].errors) == {"breakfast", "lunch", "dinner"}


def test_residents_who_may_need_meals_brought_are_suggested(web, staff_east, zhang, east1):
    from elderly_care.selectors import delivery_candidates

    assert [r.name for r in delivery_candidates(staff_east)] == ["张春露"]  # 85, living alone


def test_the_meal_list_shows_the_days_meals_with_their_totals(web, api, admin, counter, zhang, li,
                                                             django_assert_num_queries):
    for person in (zhang, li):
        assert _check_in(api, counter, id_number=person.id_number).status_code == 201
    browser = web.as_(admin)
    # Session, user (2), count, the page with point, diner and community (2), the totals (1), the filter
    # form's point and community choices (2), the unread badge (1), the session refresh (3).
    with django_assert_num_queries(11):
        page = browser.get(reverse("care:meal_list") + f"?date_from={date.today()}")
    assert page.context["summary"]["count"] == 2 and page.context["summary"]["diners"] == 2
    assert page.context["summary"]["subsidy"] == sum(m.subsidy for m in Meal.objects.all())
    assert web.as_(counter).get(reverse("care:meal_list")).context["summary"]["count"] == 2  # their point's
