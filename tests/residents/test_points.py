"""赵管理 keeps 和平里's service points and the accounts of those who work at them; community staff
only read the points."""

import pytest
from django.urls import reverse

from residents.models import ServicePoint
from tests.factories import ServicePointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def canteen(heping, east):
    return ServicePointFactory(community=east, kind="canteen", name="东园老年食堂")


def test_the_admin_manages_service_points_and_others_only_read(web, admin, staff_east, canteen):
    client = web.as_(admin)
    client.post(reverse("residents:point_create"),
                {"kind": "happiness_station", "name": "东园幸福驿站", "active": "on"})
    assert ServicePoint.objects.filter(name="东园幸福驿站", subdistrict=admin.subdistrict).exists()
    assert web.as_(staff_east).get(reverse("residents:point_create")).status_code == 403
    assert len(web.as_(staff_east).get(reverse("residents:points")).context["object_list"]) == 2


def test_the_security_admin_creates_an_operator_account_at_a_point(web, security, canteen):
    from jiedao.models import User

    response = web.as_(security).post(reverse("manage:user_create"), {
        "username": "point9", "role": "point_operator", "password": "Point-operator-2026", "is_active": "on"})
    assert "service_point" in response.context["form"].errors
    web.as_(security).post(reverse("manage:user_create"), {
        "username": "point9", "role": "point_operator", "service_point": canteen.pk,
        "password": "Point-operator-2026", "is_active": "on"})
    assert User.objects.get(username="point9").service_point == canteen
