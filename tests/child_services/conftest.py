"""The child programmes' places: 东园's 向日葵亲子小屋 (its operator is 吴服务) runs 亲子早教班 (0–36 months, three
places); 西园 has a hut of its own. Children of 东一: 小雨 (two), 小宝 (one) and 小米 (eighteen months)."""

import pytest

from tests.child_services.factories import HutFactory, ProgrammeFactory, child_in


@pytest.fixture
def hut(east, operator):
    point = HutFactory(community=east, name="东园向日葵亲子小屋")
    operator.service_point = point
    operator.save()
    return point


@pytest.fixture
def west_hut(west):
    return HutFactory(community=west, name="西园向日葵亲子小屋")


@pytest.fixture
def early_class(hut):
    return ProgrammeFactory(point=hut, name="亲子早教班", capacity=3)


@pytest.fixture
def xiaoyu(east1):
    return child_in(east1, years=2, name="小雨")


@pytest.fixture
def xiaobao(east1):
    return child_in(east1, years=1, name="小宝")


@pytest.fixture
def xiaomi(east1):
    return child_in(east1, years=1, days=180, name="小米")
