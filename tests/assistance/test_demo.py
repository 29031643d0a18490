"""The demo's relief cases (assistance.demo): every kind in every state, walked through the real path,
and every 低保 or 特困 tag of the demo registry with its live case behind it."""

import pytest

from assistance.models import Case

pytestmark = pytest.mark.django_db


def test_the_demo_has_cases_of_every_kind_in_every_state(db):
    from assistance import demo as relief_demo
    from assistance.models import CaseKind, CaseState
    from residents import demo

    result = demo.seed(residents=1500, seed=2)
    demo.ensure_accounts(result.subdistrict, "Demo-pass-2026")
    from residents.models import ResidentTag

    made = relief_demo.seed_cases(subdistrict=result.subdistrict)
    kinds = [k for k in CaseKind.values if k != CaseKind.MICRO_WISH]  # 微心愿 are wishes (seed_wishes)
    assert made == len(kinds) * len(CaseState) + Case.objects.filter(reason__contains="台账补录").count()
    # every 低保 / 特困 tag has its live case behind it: one source of truth, in the demo too
    for tag in ResidentTag.objects.filter(tag__in=["dibao", "tekun"]):
        assert Case.objects.filter(resident_id=tag.resident_id, kind=tag.tag, state__in=["approved", "disbursed"]
                                   ).exists(), tag
    assert set(Case.objects.values_list("kind", "state")) == {(k, s) for k in kinds for s in CaseState.values}
    closed = Case.objects.filter(state="closed").first()
    assert closed.transitions.count() == 7 and closed.disbursements.exists()
    assert relief_demo.seed_cases(subdistrict=result.subdistrict) == 0


def test_the_demo_cases_are_dated_over_past_months_and_paid_as_they_say(db):
    """A newcomer finds cases at every stage opened over the past months, some in 公示 whose notice has run
    its course (so she can approve one today), every paid case with its payments (a monthly one paid every
    month since it was approved, the old ledger's ones for a year), and each case's household as the
    registry has it."""
    from django.db.models import Count, Min
    from django.utils import timezone

    from assistance import demo as relief_demo
    from assistance import services
    from assistance.models import Disbursement
    from jiedao.dates import add_months
    from residents import demo
    from residents.models import Resident

    result = demo.seed(residents=1500, seed=2)
    demo.ensure_accounts(result.subdistrict, "Demo-pass-2026")
    relief_demo.seed_cases(subdistrict=result.subdistrict)
    today = timezone.localdate()
    opened = {c.opened_at.date().replace(day=1) for c in Case.objects.exclude(reason__contains="台账补录")}
    assert len(opened) >= 4 and max(opened) <= today  # spread over months, none in the future
    publicized = list(Case.objects.filter(state="publicized"))
    assert any(services.publicity_ends(c) <= today for c in publicized)  # can be approved today
    assert any(services.publicity_ends(c) > today for c in publicized)  # and some are still up
    assert not Case.objects.filter(state__in=["disbursed", "closed"]).annotate(n=Count("disbursements")).filter(n=0)
    this_month = today.replace(day=1)
    last_month = add_months(this_month, -1)
    for case in Case.objects.filter(kind__in=["dibao", "tekun"], state="disbursed"):
        months = set(case.disbursements.values_list("period_month", flat=True))
        first = case.disbursements.aggregate(m=Min("period_month"))["m"]
        # every month from its first payment to last month, no gap, no second one in a month
        month, expected = first, set()
        while month <= last_month:
            expected.add(month)
            month = add_months(month, 1)
        assert expected <= months and case.disbursements.count() == len(months), case
        assert all(d.amount == case.approved_amount for d in case.disbursements.all())
    ledger = Case.objects.filter(reason__contains="台账补录").first()
    assert ledger.disbursements.count() >= 12 and ledger.approved_amount
    for case in Case.objects.select_related("resident"):
        assert case.household_size == Resident.objects.active().filter(
            household_id=case.resident.household_id).count(), case
    assert Disbursement.objects.filter(paid_on__gt=today).count() == 0
