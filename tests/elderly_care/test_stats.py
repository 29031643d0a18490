"""What the canteens served: the meal list with the day's totals and the monthly statistics per point
(meals, diners, what they paid, the subsidy), each in the reader's scope and at a fixed number of queries."""

from datetime import date

import pytest
from django.urls import reverse

from elderly_care import services
from elderly_care.models import Meal
from tests.factories import ResidentFactory, ServicePointFactory

from .conftest import _check_in

pytestmark = pytest.mark.django_db


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


def test_the_meal_and_point_lists_do_not_grow_queries_with_rows(api, counter, staff_east, canteen, east1):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(6):
        resident = ResidentFactory(name=f"老人{i}", grid=east1, birth=date(1940, 1, 1 + i))
        _check_in(api, counter, id_number=resident.id_number)
    client = api.as_(staff_east)
    client.get("/api/v1/meals/")
    counts = []
    for size in (1, 50):
        with CaptureQueriesContext(connection) as ctx:
            client.get(f"/api/v1/meals/?page_size={size}")
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_staff_see_only_their_own_residents_meals_at_a_shared_point(api, heping, zhang, wang, staff_west, admin):
    services.default_pricing_ensure(subdistrict=heping)
    centre = ServicePointFactory(subdistrict=heping, name="街道中心食堂")
    services.meal_check_in(operator=admin, point=centre, meal="lunch", resident=zhang)
    assert api.as_(staff_west).get("/api/v1/meals/").json()["count"] == 0
    assert api.as_(admin).get("/api/v1/meals/").json()["count"] == 1


def test_the_meal_list_shows_the_days_meals_with_their_totals(web, api, admin, counter, zhang, li,
                                                             django_assert_num_queries):
    for person in (zhang, li):
        assert _check_in(api, counter, id_number=person.id_number).status_code == 201
    browser = web.as_(admin)
    # Session, user (2), count, the page with point, diner and community (2), the totals (1), the filter
    # form's point and community choices (2), the unread badge (1), the authenticator that verified the
    # session (1; the idle timer is written at most once a minute, not on this request).
    with django_assert_num_queries(9):
        page = browser.get(reverse("care:meal_list") + f"?date_from={date.today()}")
    assert page.context["summary"]["count"] == 2 and page.context["summary"]["diners"] == 2
    assert page.context["summary"]["subsidy"] == sum(m.subsidy for m in Meal.objects.all())
    assert web.as_(counter).get(reverse("care:meal_list")).context["summary"]["count"] == 2  # their point's


def test_at_a_shared_point_the_statistics_and_the_counter_count_only_the_staffs_own_residents(
        api, web, heping, zhang, staff_east, staff_west, admin):
    from elderly_care.models import MealDelivery
    from tests.elderly_care.factories import CareEnrolmentFactory

    services.default_pricing_ensure(subdistrict=heping)
    centre = ServicePointFactory(subdistrict=heping, community=None, kind="canteen", name="街道中心食堂")
    services.meal_check_in(operator=admin, point=centre, meal="lunch", resident=zhang)
    enrolment = CareEnrolmentFactory(resident=zhang, kind="meal_delivery", point=centre)
    MealDelivery.objects.create(enrolment=enrolment, point=centre, date=date.today(), status="delivered", by=admin)
    west = api.as_(staff_west).get("/api/v1/meals/stats/").json()
    assert west["by_point"] == [] and west["deliveries"] == []  # 张春露 is 东园's
    east = api.as_(staff_east).get("/api/v1/meals/stats/").json()
    assert [p["meals"] for p in east["by_point"]] == [1] and [d["delivered"] for d in east["deliveries"]] == [1]
    counter = web.as_(staff_west).get(reverse("care:checkin"), {"point": centre.pk})
    assert counter.context["today_count"] == 0 and list(counter.context["today_meals"]) == []


def test_the_meal_list_the_counter_and_the_stats_show_amounts_as_money(api, web, counter, zhang, admin):
    """张春露 (85) pays 6.00 元 of a 15.00 元 lunch: every page that lists it says 元."""
    _check_in(api, counter, id_number=zhang.id_number)
    for page in [web.as_(admin).get(reverse("care:meal_list")), web.as_(admin).get(reverse("care:stats")),
                 web.as_(counter).get(reverse("care:checkin"))]:
        html = page.content.decode()
        assert "6.00 元" in html and "9.00 元" in html, page.request["PATH_INFO"]
