"""The demo's visits (visits.demo): every tier's rules, curtain pacts, and a history in which some
residents are overdue and others are not, each visit made by someone whose scope holds the resident."""

import pytest

from residents import demo
from visits import demo as visits_demo

pytestmark = pytest.mark.django_db


def test_the_demo_has_visit_plans_and_a_history_with_some_overdue():
    from jiedao.models import Role
    from residents.models import Resident
    from visits import schedule
    from visits.models import CarePlan, Visit, VisitRule

    result = demo.seed(residents=2000, seed=5)
    demo.ensure_accounts(result.subdistrict, "Demo-pass-2026")
    assert visits_demo.seed_visits(subdistrict=result.subdistrict, seed=5) > 0
    assert VisitRule.objects.filter(subdistrict=result.subdistrict).count() == 6
    assert CarePlan.objects.filter(curtain_pact=True).exists()
    items = schedule.due_items(Resident.objects.all())
    assert any(i.is_overdue for i in items) and any(not i.is_overdue for i in items)
    # Every visit was made by someone whose scope holds the resident.
    for visit in Visit.objects.select_related("visitor", "resident")[:300]:
        assert Resident.objects.visible_to(visit.visitor).filter(pk=visit.resident_id).exists()
        assert visit.visitor.role in (Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.SUBDISTRICT_ADMIN)
    assert visits_demo.seed_visits(subdistrict=result.subdistrict, seed=5) == 0  # a second call adds nothing
