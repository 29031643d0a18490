"""A page of residents is written in one pass (residents.serializers.ResidentListSerializer), not field by field
through DRF's generic loop: each row must be what ResidentSerializer writes for that resident alone, for every
kind of value a resident holds (a household or none, tags or none, a grade of disability, an archived status
with its date, no phone, a name with quotes and tags, a foreigner's Latin name)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from residents.models import Resident
from residents.serializers import ResidentSerializer
from tests.factories import HouseholdFactory, ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def all_kinds(east1, east2, west1):
    household = HouseholdFactory(grid=east1)
    ResidentFactory(name="张春露", grid=east1, household=household, relation_to_head="self", tags=["living_alone"])
    ResidentFactory(name='王"小"<b>', grid=east2, birth=date(2019, 6, 30), female=True, phone="",
                    tags=["disability", "empty_nest"], disability_type="limb", disability_grade=2,
                    care_tier="key", care_dependency="full", notes="行动不便\n需上门")
    ResidentFactory(name="John Smith", grid=west1, birth=date(1931, 12, 31), phone="010-64001234",
                    residence_type="resident", status="archived", status_reason="迁出",
                    status_date=timezone.localdate() - timedelta(days=3))
    return Resident.objects.order_by("id")


@pytest.mark.parametrize("full_numbers", [False, True])
def test_a_page_of_residents_is_what_each_resident_alone_gives(all_kinds, full_numbers):
    """The page as the API list reads it (its tags in the rows' own query), each resident alone as the detail
    reads it (its tag links prefetched)."""
    context = {"full_numbers": full_numbers}
    rows = list(all_kinds.with_tag_codes())
    page = ResidentSerializer(rows, many=True, context=context).data
    alone = [ResidentSerializer(r, context=context).data for r in all_kinds.with_related()]
    assert [dict(r) for r in page] == [dict(r) for r in alone]
    assert [list(r) for r in page] == [list(r) for r in alone]  # the keys in the same order
    assert len(page) == 3 and page[1]["tags"] == ["disability", "empty_nest"] and page[2]["status_date"]
    if not full_numbers:
        assert all(r["birth_date"] is None and r["age"] is None and "*" in r["id_number"] for r in page)
