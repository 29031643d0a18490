"""Factories of assistance: cases with their steps, payments and a sub-district's local standards.

A case is opened by staff of the applicant's community and holds its 受理 step, as `case_open` writes it.
A case made straight into a later state (`CaseFactory(state="approved")`) stands where the tests' shortcut
`Case.objects.filter(...).update(state=...)` leaves one: its later steps are not written (walk it through
assistance.services for a history), and past its approval it holds the requested amount as approved (as the
approval step sets it when the approver gives no other). `history=False` writes no step at all, as a case
backfilled from the old ledgers (台账补录) has none.
"""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from assistance.models import (
    Case,
    CaseKind,
    CaseState,
    CaseTransition,
    Disbursement,
    DisbursementMethod,
    ReliefSettings,
)
from jiedao.dates import month_end
from tests.factories import ResidentFactory, SubdistrictFactory, admin_of, staff_of

# Past their notice (公示): the case was publicized and its days have run.
_PAST_NOTICE = {CaseState.APPROVED, CaseState.DISBURSED, CaseState.CLOSED}


class CaseFactory(factory.django.DjangoModelFactory):
    """A one-person household's application for temporary assistance, just opened."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    resident = factory.SubFactory(ResidentFactory)
    kind = CaseKind.TEMPORARY
    state = CaseState.APPLIED
    reason = "突发疾病，生活困难"
    requested_amount = Decimal("1000.00")
    # Size and income are required for 低保 and 特困 (means-tested); harmless for the others.
    household_size = 1
    monthly_income = Decimal("500.00")
    publicity_days = 7
    created_by = factory.LazyAttribute(lambda o: staff_of(o.resident.community))
    approved_amount = factory.LazyAttribute(lambda o: o.requested_amount if o.state in _PAST_NOTICE else None)

    @factory.lazy_attribute
    def publicized_on(self):
        today = timezone.localdate()
        if self.state == CaseState.PUBLICIZED:
            return today
        if self.state in _PAST_NOTICE:
            return today - timedelta(days=self.publicity_days + 1)
        return None

    @factory.post_generation
    def history(self, create, extracted, **kwargs):
        if create and extracted is not False:
            CaseTransition.objects.create(case=self, from_state="", to_state=CaseState.APPLIED, by=self.created_by,
                                          comment="受理申请")


class CaseTransitionFactory(factory.django.DjangoModelFactory):
    """The community's first review of a case (社区初审), by the staff who opened it."""

    class Meta:
        model = CaseTransition

    case = factory.SubFactory(CaseFactory)
    from_state = CaseState.APPLIED
    to_state = CaseState.COMMUNITY_REVIEWED
    by = factory.SelfAttribute("case.created_by")
    comment = "材料齐全"


class DisbursementFactory(factory.django.DjangoModelFactory):
    """A payment by bank today on an approved case, recorded by its sub-district's admin. A monthly case's
    payment (低保, 特困) is for the month it is paid in; a one-off's has no period."""

    class Meta:
        model = Disbursement

    case = factory.SubFactory(CaseFactory, state=CaseState.APPROVED)
    amount = Decimal("1000.00")
    paid_on = factory.LazyFunction(timezone.localdate)
    method = DisbursementMethod.BANK
    # When given, period_to is not before it (a check constraint).
    period_from = factory.LazyAttribute(lambda o: o.paid_on.replace(day=1) if o.case.ongoing else None)
    period_to = factory.LazyAttribute(lambda o: month_end(o.period_from) if o.period_from else None)
    by = factory.LazyAttribute(lambda o: admin_of(o.case.resident.community.subdistrict))


class ReliefSettingsFactory(factory.django.DjangoModelFactory):
    """A sub-district's standards as the defaults have them: 低保 line 1395, 7 days' notice, review every
    6 months, every kind handled (one row per sub-district)."""

    class Meta:
        model = ReliefSettings

    subdistrict = factory.SubFactory(SubdistrictFactory)
    dibao_threshold = Decimal("1395.00")
    publicity_days = 7
    review_months = 6
    kinds = factory.LazyFunction(list)
