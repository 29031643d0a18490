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


def test_the_household_total_counts_the_others_live_payments_and_the_page_asks_as_much_for_many(
        web, staff_east, admin, zhang, django_assert_num_queries):
    """张春露 shares a household with her husband 张建华, who is paid 低保 every month; one payment of his was
    voided. Her page counts his live ones as the household's, not hers, and asks the database as many times
    whether the household has two payments or twelve (they are read with the cases, not once more each)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assistance import services
    from tests.factories import HouseholdFactory, ResidentFactory

    home = HouseholdFactory(grid=zhang.grid)
    zhang.household = home
    zhang.save(update_fields=["household"])
    husband = ResidentFactory(name="张建华", grid=zhang.grid, household=home)
    own = CaseFactory(resident=zhang, kind="temporary", state="approved", requested_amount=800, created_by=staff_east)
    DisbursementFactory(case=own, amount=800, method="cash", by=admin)
    his = CaseFactory(resident=husband, kind="dibao", state="approved", created_by=staff_east)
    first = DisbursementFactory(case=his, amount=1000, paid_on=date(2026, 1, 10), by=admin)
    url = reverse("residents:resident_detail", args=[zhang.pk])
    client = web.as_(staff_east)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        page = client.get(url)
    assert page.context["benefits"]["paid_total"] == 800
    assert page.context["benefits"]["household_paid_total"] == 1000
    for month in range(2, 12):
        DisbursementFactory(case=his, amount=1000, paid_on=date(2026, month, 10), by=admin)
    services.disbursement_void(actor=admin, payment=first, reason="金额录错")
    with django_assert_num_queries(len(few)):
        page = client.get(url)
    benefits = page.context["benefits"]
    assert benefits["paid_total"] == 800 and benefits["household_paid_total"] == 10_000
    assert "同户其他成员 10,000.00 元" in page.content.decode()
