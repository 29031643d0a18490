"""张春露's page lists every case and payment of hers (and her household's) with the meal subsidies she
received, and warns of what may not go together: 低保 and 特困 at once, two temporary payments in a month,
anything paid after a death. reports.selectors.benefits_of reads across the features for it."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from tests.assistance.factories import CaseFactory, DisbursementFactory

pytestmark = pytest.mark.django_db


def test_the_resident_page_shows_every_benefit_and_warns_of_forbidden_overlaps(web, staff_east, admin, zhang):
    def paid_case(kind, on):
        case = CaseFactory(resident=zhang, kind=kind, state="approved", reason="困难", created_by=staff_east)
        DisbursementFactory(case=case, amount=300, paid_on=on, method="cash", by=admin)
        return case

    today = date.today()
    paid_case("dibao", today)
    paid_case("tekun", today)
    paid_case("temporary", today)
    paid_case("temporary", today)
    page = web.as_(staff_east).get(reverse("residents:resident_detail", args=[zhang.pk]))
    benefits = page.context["benefits"]
    assert len(benefits["cases"]) == 4 and benefits["paid_total"] == 1200
    assert any("低保和特困" in w for w in benefits["warnings"])
    assert any("临时救助" in w for w in benefits["warnings"])
    from residents import services as resident_services

    resident_services.resident_archive(actor=staff_east, resident=zhang, status="deceased",
                                       on=today - timedelta(days=3), reason="病故")
    zhang.refresh_from_db()
    from reports.selectors import benefits_of

    assert any("去世" in w for w in benefits_of(zhang)["warnings"])


def test_a_voided_payment_is_no_benefit(web, staff_east, admin, zhang):
    """A 临时救助 recorded twice by a double click, the second voided: one payment, no warning."""
    from assistance import services

    case = CaseFactory(resident=zhang, kind="temporary", state="approved", requested_amount=3000,
                       created_by=staff_east)
    DisbursementFactory(case=case, amount=3000, method="cash", by=admin)
    DisbursementFactory(case=CaseFactory(resident=zhang, kind="medical", state="approved", requested_amount=1500,
                                         created_by=staff_east), amount=1500, by=admin)
    twice = DisbursementFactory(case=CaseFactory(resident=zhang, kind="temporary", state="approved",
                                                 requested_amount=3000, created_by=staff_east),
                                amount=3000, method="cash", by=admin)
    services.disbursement_void(actor=admin, payment=twice, reason="重复登记")
    page = web.as_(staff_east).get(reverse("residents:resident_detail", args=[zhang.pk]))
    benefits = page.context["benefits"]
    assert benefits["paid_total"] == 4500 and not benefits["warnings"]
    assert "本人累计发放 4,500.00 元" in page.content.decode()
