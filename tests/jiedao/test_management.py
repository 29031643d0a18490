"""冯安全, the security admin of 和平里, runs its accounts in the portal; 赵管理, the sub-district admin, runs the
places (tests/residents/test_places.py). 三员: each is refused the other's pages
(tests/jiedao/test_three_administrators.py)."""

import pytest
from django.urls import reverse

from jiedao.models import AuditEntry, User

pytestmark = pytest.mark.django_db


def test_the_security_admin_creates_a_grid_worker_who_can_then_log_in(web, client, security, east1):
    response = web.as_(security).post(reverse("manage:user_create"), {
        "username": "grid9", "first_name": "孙网格", "role": "grid_worker", "grids": [east1.pk],
        "password": "Grid-worker-2026", "is_active": "on"})
    assert response.status_code == 302, response.context["form"].errors
    user = User.objects.get(username="grid9")
    assert user.subdistrict == security.subdistrict and list(user.grids.all()) == [east1]
    assert AuditEntry.objects.filter(action="create", target_type="user", target_id=str(user.pk)).exists()
    client.logout()
    login = client.post(reverse("login"), {"username": "grid9", "password": "Grid-worker-2026"})
    assert login.status_code == 302


@pytest.mark.parametrize("password, words", [("a1b2", "太短"), ("1234567890123", "全是数字"),
                                             ("password1234", "太常见")])
def test_weak_passwords_are_refused_at_the_field(web, security, east, password, words):
    response = web.as_(security).post(reverse("manage:user_create"), {
        "username": "staff9", "role": "community_staff", "communities": [east.pk], "password": password})
    assert response.status_code == 200
    assert any(words in e for e in response.context["form"].errors["password"])
    assert not User.objects.filter(username="staff9").exists()


def test_community_staff_must_be_given_a_community(web, security):
    response = web.as_(security).post(reverse("manage:user_create"), {
        "username": "staff9", "role": "community_staff", "password": "Staff-member-2026"})
    assert "至少要负责一个社区" in response.context["form"].errors["communities"][0]


def test_the_security_admin_cannot_hand_out_district_powers(web, security):
    response = web.as_(security).post(reverse("manage:user_create"), {
        "username": "boss", "role": "district_officer", "password": "District-boss-2026"})
    assert "role" in response.context["form"].errors


def test_another_subdistricts_objects_are_404_to_the_admin(web, admin, security, other_admin, qinglong_grid):
    client = web.as_(admin)
    assert client.get(reverse("manage:grid_update", args=[qinglong_grid.pk])).status_code == 404
    assert client.get(reverse("manage:community_update", args=[qinglong_grid.community_id])).status_code == 404
    assert web.as_(security).get(reverse("manage:user_update", args=[other_admin.pk])).status_code == 404
    client = web.as_(admin)
    response = client.post(reverse("manage:grid_create"), {"community": qinglong_grid.community_id, "name": "越界"})
    assert "community" in response.context["form"].errors


@pytest.mark.parametrize("persona", ["leader", "staff_east", "gridder", "auditor", "district", "operator"])
def test_only_the_two_administrators_manage(request, web, persona):
    client = web.as_(request.getfixturevalue(persona))
    for name in ["manage:users", "manage:communities", "manage:grids", "manage:user_create"]:
        assert client.get(reverse(name)).status_code == 403


def test_the_management_lists_do_not_grow_queries_with_rows(web, admin, security, east, east1,
                                                            django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import GridFactory, UserFactory

    # One of each first, so that every prefetch has rows to run for in both counts.
    UserFactory(role="grid_worker", subdistrict=admin.subdistrict, grids=[east1])
    for name in ["manage:users", "manage:communities", "manage:grids"]:
        client = web.as_(security if name == "manage:users" else admin)
        with CaptureQueriesContext(connection) as before:
            client.get(reverse(name))
        for _ in range(3):
            UserFactory(role="grid_worker", subdistrict=admin.subdistrict, grids=[GridFactory(community=east)])
        with django_assert_num_queries(len(before.captured_queries)):
            client.get(reverse(name))
