"""Households: members, heads and grids stay consistent, and nobody sees a member outside scope."""

import pytest
from django.urls import reverse

from jiedao.models import AuditEntry
from residents import services
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(east1):
    return HouseholdFactory(grid=east1, number="H-001")


def test_the_head_is_the_member_marked_self_and_stops_being_head_when_that_changes(staff_east, home, east1):
    grandma = ResidentFactory(name="王奶奶", grid=east1)
    services.resident_update(actor=staff_east, resident=grandma, data={"household": home, "relation_to_head": "self"})
    home.refresh_from_db()
    assert home.head == grandma
    services.resident_update(actor=staff_east, resident=grandma, data={"relation_to_head": "parent"})
    home.refresh_from_db()
    assert home.head is None


def test_a_head_who_leaves_the_household_is_no_longer_its_head(staff_east, home, east1):
    grandma = ResidentFactory(name="王奶奶", grid=east1, household=home, relation_to_head="self")
    services.resident_update(actor=staff_east, resident=grandma, data={"relation_to_head": "self"})
    services.resident_update(actor=staff_east, resident=grandma, data={"household": None})
    home.refresh_from_db()
    assert home.head is None


def test_a_household_with_members_cannot_be_moved_to_another_grid(web, admin, home, east1, west1):
    ResidentFactory(name="王奶奶", grid=east1, household=home)
    response = web.as_(admin).post(reverse("residents:household_update", args=[home.pk]),
                                   {"grid": west1.pk, "number": "H-001", "estate": "和平里一区"})
    assert "已有成员" in response.context["form"].errors["grid"][0]
    home.refresh_from_db()
    assert home.grid == east1


def test_household_changes_are_logged_with_before_and_after(web, staff_east, home):
    web.as_(staff_east).post(reverse("residents:household_update", args=[home.pk]),
                             {"grid": home.grid_id, "number": "H-002", "estate": "和平里一区"})
    entry = AuditEntry.objects.get(target_type="household", action="update")
    assert entry.changes["number"] == ["H-001", "H-002"]


def test_members_outside_the_viewers_scope_are_not_listed(web, gridder, home, east1, east2):
    ResidentFactory(name="在东一", grid=east1, household=home)
    # Data from before the rules: a member registered in another grid of the same household.
    ResidentFactory(name="在东二", grid=east2, household=home)
    page = web.as_(gridder).get(reverse("residents:household_detail", args=[home.pk]))
    assert [m.name for m in page.context["members"]] == ["在东一"]


def test_a_household_outside_scope_is_404_before_rights_are_asked(web, leader, gridder, staff_west, home):
    assert web.as_(staff_west).get(reverse("residents:household_update", args=[home.pk])).status_code == 404
    assert web.as_(gridder).get(reverse("residents:household_update", args=[home.pk])).status_code == 403
    assert web.as_(leader).get(reverse("residents:household_update", args=[home.pk])).status_code == 403
