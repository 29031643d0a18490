"""吴服务's delivery round: the residents enrolled for meal delivery from her point, each marked
delivered or missed with a reason; and the elders who may need meals brought, suggested to their staff."""

from datetime import date

import pytest
from django.urls import reverse

from tests.elderly_care.factories import CareEnrolmentFactory

pytestmark = pytest.mark.django_db


def test_the_delivery_round_lists_the_enrolled_and_records_why_a_meal_did_not_arrive(web, counter, staff_east,
                                                                                     zhang, li):
    from elderly_care.models import MealDelivery

    today = date.today()
    CareEnrolmentFactory(resident=zhang, kind="meal_delivery", point=counter.service_point, since=today)
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


@pytest.mark.parametrize("post, words", [
    ({"status": "foo"}, "请选择"), ({"status": ""}, "请选择"), ({"status": "missed", "reason": "x" * 300}, "200"),
    ({"status": "delivered", "date": "1990-01-01"}, "一个月"), ({"enrolment": "abc", "status": "delivered"}, None),
])
def test_bad_delivery_records_are_refused(web, counter, zhang, post, words):
    from elderly_care.models import MealDelivery

    enrolment = CareEnrolmentFactory(resident=zhang, kind="meal_delivery", point=counter.service_point,
                                     since=date(2026, 1, 1))
    response = web.as_(counter).post(reverse("care:deliveries"), {"enrolment": enrolment.pk, **post}, follow=True)
    assert response.status_code == (404 if words is None else 200)
    if words:
        assert words in response.content.decode()
    assert not MealDelivery.objects.exists()


def test_residents_who_may_need_meals_brought_are_suggested(web, staff_east, zhang, east1):
    from elderly_care.selectors import delivery_candidates

    assert [r.name for r in delivery_candidates(staff_east)] == ["张春露"]  # 85, living alone
