"""李秀英's application for 低保, opened by 王丽 through the API, shared by the assistance tests;
`_move` asks for the case's next step as a user would."""

import pytest

from assistance.models import Case


@pytest.fixture
def case(api, staff_east, li):
    response = api.as_(staff_east).post("/api/v1/cases/", {
        "resident": li.pk, "kind": "dibao", "reason": "丈夫去世，无固定收入", "household_size": 2,
        "monthly_income": "900.00", "requested_amount": "1200.00"}, format="json")
    assert response.status_code == 201, response.json()
    return Case.objects.get(pk=response.json()["id"])


def _move(api, user, case, to, comment=""):
    return api.as_(user).post(f"/api/v1/cases/{case.pk}/transition/", {"to": to, "comment": comment}, format="json")
