"""An office upgrading with the old ledger of payments: 张春露's 临时救助 of 500.00 recorded four times (three
parallel POSTs), 李秀英's 低保 paid twice for March. After the upgrade each case keeps its first payment
live, the others are voided (not deleted) with the reason and an audit entry each, the approved cases hold
their requested amount as approved, and the database refuses a second live payment from then on."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from tests.migrations import upgrading_from

BEFORE = [("assistance", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_an_office_upgrading_keeps_the_first_of_each_duplicate_payment_and_voids_the_rest():
    with upgrading_from(BEFORE) as upgrade:
        old = upgrade.old
        street = old.get_model("residents", "Subdistrict").objects.create(name="和平里街道")
        east = old.get_model("residents", "Community").objects.create(subdistrict=street, name="东园社区")
        grid = old.get_model("residents", "Grid").objects.create(community=east, name="东一网格")
        admin = old.get_model("jiedao", "User").objects.create(username="admin", role="subdistrict_admin",
                                                               subdistrict=street)
        Resident = old.get_model("residents", "Resident")
        zhang = Resident.objects.create(name="张春露", id_number="110105194105020021", birth_date="1941-05-02",
                                        gender="F", grid=grid, community=east)
        li = Resident.objects.create(name="李秀英", id_number="110105195808090027", birth_date="1958-08-09",
                                     gender="F", grid=grid, community=east)
        Case, Disbursement = old.get_model("assistance", "Case"), old.get_model("assistance", "Disbursement")

        def case(resident, kind, state, amount):
            return Case.objects.create(resident=resident, kind=kind, state=state, reason="困难", created_by=admin,
                                       requested_amount=amount and Decimal(amount))

        def paid(case, on, period_from=None, amount="500.00"):
            return Disbursement.objects.create(case=case, amount=Decimal(amount), paid_on=on, method="cash",
                                               period_from=period_from, by=admin).pk

        relief = case(zhang, "temporary", "disbursed", "500.00")
        relief_paid = [paid(relief, date(2026, 11, 3)) for _ in range(4)]
        dibao = case(li, "dibao", "disbursed", "1200.00")
        march = [paid(dibao, date(2026, 3, 5), date(2026, 3, 1), "1200.00") for _ in range(2)]
        april = paid(dibao, date(2026, 4, 5), None, "1200.00")  # no period: keyed by the month it was paid in
        may = paid(dibao, date(2026, 5, 5), date(2026, 5, 1), "1200.00")
        closed = case(zhang, "medical", "closed", "800.00")
        pending = case(li, "temporary", "applied", "300.00")
        ledger = case(li, "tekun", "disbursed", None)
        service = case(zhang, "micro_wish", "approved", "0.00")  # asked for a service, not money

        new = upgrade.to_latest()
        Case, Disbursement = new.get_model("assistance", "Case"), new.get_model("assistance", "Disbursement")
        approved = dict(Case.objects.values_list("pk", "approved_amount"))
        assert approved == {relief.pk: Decimal("500.00"), dibao.pk: Decimal("1200.00"), closed.pk: Decimal("800.00"),
                            pending.pk: None, ledger.pk: None, service.pk: None}
        live = set(Disbursement.objects.filter(voided_at__isnull=True).values_list("pk", flat=True))
        assert live == {relief_paid[0], march[0], april, may}
        voided = Disbursement.objects.filter(voided_at__isnull=False)
        assert set(voided.values_list("pk", flat=True)) == {*relief_paid[1:], march[1]}
        assert all("系统升级" in p.void_reason and p.voided_by_id is None for p in voided)
        assert Disbursement.objects.get(pk=april).period_month == date(2026, 4, 1)
        assert Disbursement.objects.get(pk=relief_paid[0]).period_month is None
        entries = new.get_model("jiedao", "AuditEntry").objects.filter(actor_username="系统升级")
        assert sorted(int(e.target_id) for e in entries) == sorted([*relief_paid[1:], march[1]])
        assert {e.subdistrict_id for e in entries} == {street.pk}
        with pytest.raises(IntegrityError), transaction.atomic():
            Disbursement.objects.create(case_id=relief.pk, amount=Decimal("500.00"), paid_on=date(2026, 11, 4),
                                        method="cash", by_id=admin.pk)
