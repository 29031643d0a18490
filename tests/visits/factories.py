"""Factories of the visits: plans (rules per care tier, a resident's care plan), visits and hazards.

A visit is made by the grid worker of the resident's grid unless a visitor is given; a hazard is found on
a visit (`HazardFactory(visit__resident=zhang)` or `HazardFactory(visit=that_visit)`).
"""

from datetime import time

import factory
from django.utils import timezone

from residents.models import CareTier
from tests.factories import ResidentFactory, SubdistrictFactory, grid_worker_of
from visits.models import CarePlan, Frequency, Hazard, HazardKind, HazardStatus, Method, Visit, VisitRule


class VisitRuleFactory(factory.django.DjangoModelFactory):
    """The key tier visited at home weekly (one rule per sub-district, tier and method)."""

    class Meta:
        model = VisitRule

    subdistrict = factory.SubFactory(SubdistrictFactory)
    care_tier = CareTier.KEY
    method = Method.HOME
    frequency = Frequency.WEEKLY
    # "Every N days" needs its N (a check constraint); the other frequencies have none.
    every_n_days = factory.LazyAttribute(lambda o: 3 if o.frequency == Frequency.EVERY_N_DAYS else None)
    escalate_after_days = 3


class CarePlanFactory(factory.django.DjangoModelFactory):
    """A care plan with no named worker (the grid worker is responsible) and no curtain pact."""

    class Meta:
        model = CarePlan

    resident = factory.SubFactory(ResidentFactory, care_tier=CareTier.KEY)
    responsible = None
    curtain_pact = False
    curtain_deadline = time(8, 0)


class VisitFactory(factory.django.DjangoModelFactory):
    """A home visit just made by the resident's grid worker, all well."""

    class Meta:
        model = Visit

    resident = factory.SubFactory(ResidentFactory)
    method = Method.HOME
    visited_at = factory.LazyFunction(timezone.now)
    visitor = factory.LazyAttribute(lambda o: grid_worker_of(o.resident.grid))
    ok = True
    notes = "老人精神不错"


class HazardFactory(factory.django.DjangoModelFactory):
    """A gas hose found worn on a home visit, still open (closed ones say who closed them and when)."""

    class Meta:
        model = Hazard

    visit = factory.SubFactory(VisitFactory, ok=False)
    resident = factory.SelfAttribute("visit.resident")
    kind = HazardKind.GAS
    description = "燃气软管老化"
    status = HazardStatus.OPEN
    closed_by = factory.LazyAttribute(lambda o: o.visit.visitor if o.status == HazardStatus.CLOSED else None)
    closed_at = factory.LazyAttribute(lambda o: timezone.now() if o.status == HazardStatus.CLOSED else None)
