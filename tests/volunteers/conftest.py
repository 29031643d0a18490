"""An order of 张春露's for 上门保洁, taken by 周网格 (gridder); `_step` asks for its next step as a user would."""

from datetime import timedelta

import pytest
from django.utils import timezone

from volunteers.models import ServiceKind, ServiceOrder


@pytest.fixture
def cleaning(heping):
    return ServiceKind.objects.create(subdistrict=heping, name="上门保洁")


@pytest.fixture
def order(api, gridder, zhang, cleaning):
    response = api.as_(gridder).post("/api/v1/service-orders/", {
        "resident": zhang.pk, "service": cleaning.pk, "wanted_at": (timezone.now() + timedelta(days=2)).isoformat(),
        "notes": "厨房油污"}, format="json")
    assert response.status_code == 201, response.json()
    return ServiceOrder.objects.get(pk=response.json()["id"])


def step(api, user, order, to, **extra):
    return api.as_(user).post(f"/api/v1/service-orders/{order.pk}/transition/", {"to": to, **extra}, format="json")


def dispatch(api, admin, order, team, days=3):
    return step(api, admin, order, "dispatched", team=team.pk,
                deadline=(timezone.now() + timedelta(days=days)).isoformat())
