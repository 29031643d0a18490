"""schemathesis on the sign-in endpoint (POST /api/v1/auth/token/), apart from the rest of the API: its
failures count towards django-axes' lockout, so it runs against throwaway accounts of its own, never
against the personas the other fuzzing signs in as. Afterwards 王丽 still signs in as ever."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, settings

from jiedao.models import Role
from tests.api.schema import CHECKS, TOKEN_PATH, load
from tests.conftest import PASSWORD
from tests.factories import UserFactory
from tests.otp import code

THROWAWAY = ["throwaway_a", "throwaway_b"]


@pytest.fixture
def answers(heping, east, staff_east):
    """The status codes the endpoint gave; the throwaway accounts exist meanwhile."""
    for name in THROWAWAY:
        UserFactory(username=name, role=Role.COMMUNITY_STAFF, subdistrict=heping, communities=[east])
    seen = []
    yield seen
    # The fuzzing reached a sign-in, a refusal and a lockout of a throwaway account.
    assert {200, 400, 403} <= set(seen), sorted(set(seen))
    # The persona was never named, so never locked: she signs in with her password.
    from rest_framework.test import APIClient

    response = APIClient().post(TOKEN_PATH, {"username": "staff_east", "password": PASSWORD, "otp": code()},
                                format="json")
    assert response.status_code == 200, response.content


def aim_at_throwaway_accounts(case) -> None:
    """Generated names and passwords match nothing; every third name becomes a throwaway account's and every
    other password the right one, so sign-ins succeed, fail and lock out along the way."""
    body = case.body
    if not isinstance(body, dict):
        return
    if isinstance(body.get("username"), str) and len(body["username"]) % 3 == 0:
        body["username"] = THROWAWAY[len(body["username"]) % 2]
    if isinstance(body.get("password"), str) and len(body["password"]) % 2 == 0:
        body["password"] = PASSWORD
        if body.get("username") in THROWAWAY:
            # The code the account's phone shows now; a code is taken once per device, so the device forgets
            # the last one it took (the fuzzing signs in many times within one half-minute).
            TOTPDevice.objects.filter(user__username=body["username"]).update(last_t=-1)
            body["otp"] = code()


SIGN_IN = settings(max_examples=50, deadline=None, database=None, derandomize=True,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@load().include(path=TOKEN_PATH, method="POST").parametrize()
@SIGN_IN
def test_the_sign_in_endpoint_answers_as_documented(case, answers):
    aim_at_throwaway_accounts(case)
    answers.append(case.call_and_validate(checks=CHECKS).status_code)
