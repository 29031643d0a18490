"""王丽 enrols 张春露 in a home-care bed (家庭养老床位) with its provider, once, and keeps its service log;
staff of another community can neither enrol her nor write in her log."""

from datetime import date

import pytest
from django.urls import reverse

from tests.elderly_care.factories import CareEnrolmentFactory

pytestmark = pytest.mark.django_db


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


def test_the_service_log_of_a_home_care_bed(web, staff_east, staff_west, zhang):
    from elderly_care.models import ServiceLog

    bed = CareEnrolmentFactory(resident=zhang, kind="home_care_bed", provider="居家养老公司", since=date(2026, 10, 1))
    web.as_(staff_east).post(reverse("care:service_log_add", args=[bed.pk]), {"notes": "助浴"})
    web.as_(staff_east).post(reverse("care:service_log_add", args=[bed.pk]), {"notes": "  "})
    assert list(ServiceLog.objects.values_list("notes", flat=True)) == ["助浴"]
    assert web.as_(staff_west).post(reverse("care:service_log_add", args=[bed.pk]), {"notes": "x"}).status_code == 404
    page = web.as_(staff_east).get(reverse("care:enrolment_update", args=[bed.pk]))
    assert "助浴" in page.content.decode()
