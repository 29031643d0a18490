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
    assert made == len(CaseKind) * len(CaseState) + Case.objects.filter(reason__contains="台账补录").count()
    # every 低保 / 特困 tag has its live case behind it: one source of truth, in the demo too
    for tag in ResidentTag.objects.filter(tag__in=["dibao", "tekun"]):
        assert Case.objects.filter(resident_id=tag.resident_id, kind=tag.tag, state__in=["approved", "disbursed"]
                                   ).exists(), tag
    assert set(Case.objects.values_list("kind", "state")) == {(k, s) for k in CaseKind.values for s in CaseState.values}
    closed = Case.objects.filter(state="closed").first()
    assert closed.transitions.count() == 7 and closed.disbursements.exists()
    assert relief_demo.seed_cases(subdistrict=result.subdistrict) == 0
