"""The 东园 canteen and its counter, shared by the elderly-care tests.

和平里 has the default prices: lunch 15.00; 60–69 pay 80%, 70–79 60%, 80+ 40%, 低保 20%. 吴服务 (operator)
works the counter of 东园老年食堂; `_check_in` is a swipe there, through the API.
"""

import pytest

from elderly_care import services
from tests.factories import ServicePointFactory


@pytest.fixture
def canteen(heping, east):
    services.default_pricing_ensure(subdistrict=heping)  # lunch 15.00; 60+ 80%, 70+ 60%, 80+ 40%, 低保 20%
    return ServicePointFactory(community=east, kind="canteen", name="东园老年食堂")


@pytest.fixture
def counter(operator, canteen):
    operator.service_point = canteen
    operator.save()
    return operator


def _check_in(api, user, **payload):
    return api.as_(user).post("/api/v1/meals/", {"meal": "lunch", **payload}, format="json")
