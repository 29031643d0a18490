"""赵管理 pays what was approved, once: 张春露's 临时救助 of 3,000.00 is paid once however often the button is
pressed, never above what was approved, and a wrong payment is voided with a reason (never deleted) or
corrected in one step. 李秀英's 低保 is paid once a month. Nobody else voids anything."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assistance import services
from assistance.models import Case, Disbursement
from jiedao.models import AuditEntry
from tests.assistance.factories import CaseFactory, DisbursementFactory

from .conftest import _move

pytestmark = pytest.mark.django_db

TODAY = date.today


@pytest.fixture
def relief(staff_east, zhang):
    """张春露's 临时救助: 3,000.00 asked for and approved."""
    return CaseFactory(resident=zhang, kind="temporary", state="approved", reason="火灾后生活困难",
                       requested_amount=Decimal("3000.00"), created_by=staff_east)


@pytest.fixture
def dibao(staff_east, li):
    """李秀英's 低保: 1,200.00 a month, approved."""
    return CaseFactory(resident=li, kind="dibao", state="approved", reason="丈夫去世，无固定收入",
                       requested_amount=Decimal("1200.00"), household_size=2, monthly_income=Decimal("900.00"),
                       created_by=staff_east)


def pay(api, user, case, amount="3000.00", **more):
    body = {"amount": amount, "paid_on": TODAY().isoformat(), "method": "bank", **more}
    return api.as_(user).post(f"/api/v1/cases/{case.pk}/disbursements/", body, format="json")


def void(api, user, payment, reason="重复登记"):
    return api.as_(user).post(f"/api/v1/disbursements/{payment.pk}/void/", {"reason": reason}, format="json")


def live(case):
    return Disbursement.objects.filter(case=case).live()


# --- the approved amount ------------------------------------------------------------------------------

def _publicized(case):
    Case.objects.filter(pk=case.pk).update(publicized_on=TODAY() - timedelta(days=8))


def test_the_approval_records_the_requested_amount_unless_the_approver_gives_another(api, case, staff_east, admin,
                                                                                   zhang):
    for to, who in [("community_reviewed", staff_east), ("subdistrict_reviewed", admin), ("publicized", admin)]:
        assert _move(api, who, case, to).status_code == 200
    _publicized(case)
    assert _move(api, admin, case, "approved").json()["approved_amount"] == "1200.00"  # as asked

    lowered = CaseFactory(resident=zhang, kind="temporary", state="publicized", requested_amount=Decimal("3000.00"),
                          publicized_on=TODAY() - timedelta(days=8), created_by=staff_east)
    response = api.as_(admin).post(f"/api/v1/cases/{lowered.pk}/transition/", {
        "to": "approved", "comment": "按标准核减", "approved_amount": "2800.00"}, format="json")
    assert response.status_code == 200 and response.json()["approved_amount"] == "2800.00"
    assert response.json()["requested_amount"] == "3000.00"
    entry = AuditEntry.objects.filter(target_type="case", target_id=str(lowered.pk)).latest("at")
    assert entry.changes["approved_amount"] == "2800.00"


@pytest.mark.parametrize("amount, words", [("0", "大于 0"), ("-5.00", "大于 0"), ("1000000.01", "1,000,000.00 元")])
def test_an_approved_amount_must_be_a_sane_sum(api, admin, staff_east, zhang, amount, words):
    pending = CaseFactory(resident=zhang, kind="temporary", state="publicized", requested_amount=Decimal("3000.00"),
                          publicized_on=TODAY() - timedelta(days=8), created_by=staff_east)
    response = api.as_(admin).post(f"/api/v1/cases/{pending.pk}/transition/", {
        "to": "approved", "approved_amount": amount}, format="json")
    assert response.status_code == 400 and words in response.json()["approved_amount"][0]
    pending.refresh_from_db()
    assert pending.state == "publicized" and pending.approved_amount is None


def test_an_approved_amount_belongs_to_the_approval_only(api, case, staff_east):
    response = api.as_(staff_east).post(f"/api/v1/cases/{case.pk}/transition/", {
        "to": "community_reviewed", "approved_amount": "900.00"}, format="json")
    assert response.status_code == 400 and "审批" in response.json()["approved_amount"][0]


def test_the_case_page_approves_with_an_amount_field(web, admin, staff_east, zhang):
    pending = CaseFactory(resident=zhang, kind="temporary", state="publicized", requested_amount=Decimal("3000.00"),
                          publicized_on=TODAY() - timedelta(days=8), created_by=staff_east)
    page = web.as_(admin).get(reverse("assistance:case_detail", args=[pending.pk])).content.decode()
    assert 'name="approved_amount"' in page and 'value="3000.00"' in page
    web.as_(admin).post(reverse("assistance:case_transition", args=[pending.pk]),
                        {"to": "approved", "approved_amount": "2800", "comment": "核减"})
    pending.refresh_from_db()
    assert (pending.state, pending.approved_amount) == ("approved", Decimal("2800.00"))
    page = web.as_(admin).get(reverse("assistance:case_detail", args=[pending.pk])).content.decode()
    assert "批准金额</dt><dd>2,800.00 元" in page and "申请金额</dt><dd>3,000.00 元" in page


# --- one live payment, never above the approval ---------------------------------------------------------

def test_a_payment_above_the_approved_amount_is_refused_naming_both(api, web, admin, relief):
    response = pay(api, admin, relief, "99999.00")
    assert response.status_code == 400
    assert response.json()["amount"] == ["发放金额 99,999.00 元超过批准金额 3,000.00 元。"]
    page = web.as_(admin).post(reverse("assistance:disbursement_add", args=[relief.pk]), {
        "amount": "99999.00", "paid_on": TODAY().isoformat(), "method": "bank"})
    assert page.status_code == 400
    assert page.context["pay_form"].errors["amount"] == ["发放金额 99,999.00 元超过批准金额 3,000.00 元。"]
    assert not Disbursement.objects.filter(case=relief).exists()
    assert pay(api, admin, relief, "3000.00").status_code == 201  # the approved amount itself is fine


def test_a_one_off_case_is_paid_once_even_before_it_moves_on(api, admin, relief):
    assert pay(api, admin, relief, "500.00").status_code == 201
    again = pay(api, admin, relief, "500.00")
    assert again.status_code == 400 and "不能重复发放" in again.json()["case"][0]
    assert live(relief).count() == 1


def test_the_database_has_the_last_word_when_two_payments_race(api, admin, relief, monkeypatch):
    """Two requests that both read "not paid yet" before either writes: the partial unique index refuses the
    second, and the clerk reads why in Chinese (never a 500)."""
    assert pay(api, admin, relief, "500.00").status_code == 201
    monkeypatch.setattr(services, "_refuse_second_payment", lambda *args: None)
    raced = pay(api, admin, relief, "500.00")
    assert raced.status_code == 400 and "重复" in raced.json()["case"][0]
    assert live(relief).count() == 1


def test_the_database_itself_keeps_one_live_payment_per_one_off_case_and_per_month(admin, relief, dibao):
    first = DisbursementFactory(case=relief, amount=500, by=admin)
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.create(case=relief, amount=500, paid_on=TODAY(), method="cash", by=admin)
    Disbursement.objects.filter(pk=first.pk).update(voided_at=timezone.now(), void_reason="重复", voided_by=admin)
    DisbursementFactory(case=relief, amount=500, by=admin)  # the voided one makes room
    march = date(2026, 3, 1)
    DisbursementFactory(case=dibao, amount=1200, period_from=march, by=admin)
    with pytest.raises(IntegrityError), transaction.atomic():
        DisbursementFactory(case=dibao, amount=1200, period_from=date(2026, 3, 16), by=admin)
    DisbursementFactory(case=dibao, amount=1200, period_from=date(2026, 4, 1), by=admin)


def test_a_monthly_case_is_paid_once_per_month(api, admin, dibao):
    missing = pay(api, admin, dibao, "1200.00")
    assert missing.status_code == 400 and "所属期" in missing.json()["period_from"][0]
    march = pay(api, admin, dibao, "1200.00", period_from="2026-03-01")
    assert march.status_code == 201 and march.json()["period_to"] == "2026-03-31"  # the month, unless told
    again = pay(api, admin, dibao, "1200.00", period_from="2026-03-15", period_to="2026-03-31")
    assert again.status_code == 400 and "2026-03" in again.json()["period_from"][0]
    spanning = pay(api, admin, dibao, "1200.00", period_from="2026-02-15", period_to="2026-03-14")
    assert spanning.status_code == 400 and "重叠" in spanning.json()["period_from"][0]
    assert pay(api, admin, dibao, "1200.00", period_from="2026-04-01").status_code == 201
    assert live(dibao).count() == 2
    above = pay(api, admin, dibao, "1500.00", period_from="2026-05-01")  # the approval is per month
    assert above.status_code == 400 and "批准金额 1,200.00 元" in above.json()["amount"][0]


def test_a_period_that_ends_before_it_starts_is_told_at_the_field(api, web, admin, relief):
    body = {"amount": "500.00", "paid_on": TODAY().isoformat(), "method": "cash", "period_from": "2026-03-10",
            "period_to": "2026-03-01"}
    response = api.as_(admin).post(f"/api/v1/cases/{relief.pk}/disbursements/", body, format="json")
    assert response.status_code == 400 and response.json() == {"period_to": ["所属期止不能早于所属期起。"]}
    page = web.as_(admin).post(reverse("assistance:disbursement_add", args=[relief.pk]), body)
    assert page.status_code == 400
    assert page.context["pay_form"].errors["period_to"] == ["所属期止不能早于所属期起。"]
    assert "所属期止不能早于所属期起。" in page.content.decode()
    assert not Disbursement.objects.filter(case=relief).exists()


def test_a_case_is_moved_on_to_paid_only_with_a_live_payment(api, admin, relief):
    payment = Disbursement.objects.get(pk=pay(api, admin, relief, "500.00").json()["id"])
    void(api, admin, payment)
    assert _move(api, admin, relief, "disbursed").status_code == 400
    rejected = _move(api, admin, relief, "rejected", "不符合条件")
    assert rejected.status_code == 200  # nothing live was paid: it can still be turned down


def test_a_paid_case_is_not_turned_down_while_its_payment_stands(api, admin, relief):
    pay(api, admin, relief, "500.00")
    refused = _move(api, admin, relief, "rejected", "不符合条件")
    assert refused.status_code == 400 and "作废" in refused.json()["to"][0]


# --- voiding and correcting -------------------------------------------------------------------------------

def test_a_wrong_payment_is_voided_with_a_reason_and_stays_listed(api, admin, relief):
    payment = Disbursement.objects.get(pk=pay(api, admin, relief, "500.00").json()["id"])
    assert api.as_(admin).post(f"/api/v1/disbursements/{payment.pk}/void/", {}, format="json").json() == {
        "reason": ["请写明作废原因。"]}
    response = void(api, admin, payment, "金额录入错误")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["voided"], body["void_reason"], body["voided_by"]) == (payment.pk, True, "金额录入错误",
                                                                                   "admin")
    listed = api.as_(admin).get(f"/api/v1/disbursements/?case={relief.pk}").json()["results"]
    assert [(r["id"], r["voided"]) for r in listed] == [(payment.pk, True)]
    entry = AuditEntry.objects.filter(target_type="disbursement", target_id=str(payment.pk), action="update").get()
    assert entry.changes["void_reason"] == "金额录入错误" and entry.actor == admin
    again = void(api, admin, payment)
    assert again.status_code == 400 and "作废，不能再作废" in str(again.json())
    assert pay(api, admin, relief, "3000.00").status_code == 201  # the right one, while still approved


@pytest.mark.parametrize("persona, status", [("leader", 403), ("staff_east", 403), ("gridder", 403),
                                             ("auditor", 403), ("security", 403), ("staff_west", 404),
                                             ("other_admin", 404)])
def test_only_the_role_that_pays_voids_and_only_in_its_scope(request, api, admin, relief, persona, status):
    payment = DisbursementFactory(case=relief, amount=500, by=admin)
    user = request.getfixturevalue(persona)
    assert void(api, user, payment).status_code == status
    fix = api.as_(user).post(f"/api/v1/disbursements/{payment.pk}/correct/", {"amount": "bad"}, format="json")
    assert fix.status_code == status  # the role or the scope is told before the body
    assert live(relief).count() == 1


def test_a_paid_out_case_keeps_a_live_payment_and_is_corrected_in_one_step(api, admin, relief):
    wrong = Disbursement.objects.get(pk=pay(api, admin, relief, "300.00").json()["id"])  # 3,000 meant
    assert _move(api, admin, relief, "disbursed").status_code == 200
    refused = void(api, admin, wrong)
    assert refused.status_code == 400 and "更正" in refused.json()["detail"][0]
    too_much = api.as_(admin).post(f"/api/v1/disbursements/{wrong.pk}/correct/", {
        "amount": "30000.00", "reason": "金额录入错误"}, format="json")
    assert too_much.status_code == 400 and "超过批准金额 3,000.00 元" in too_much.json()["amount"][0]
    assert list(live(relief)) == [wrong]  # nothing half done
    fixed = api.as_(admin).post(f"/api/v1/disbursements/{wrong.pk}/correct/", {
        "amount": "3000.00", "reason": "金额录入错误"}, format="json")
    assert fixed.status_code == 201
    body = fixed.json()
    assert (body["amount"], body["replaces"], body["voided"], body["method"]) == ("3000.00", wrong.pk, False, "bank")
    wrong.refresh_from_db()
    assert wrong.voided_at and wrong.void_reason == "金额录入错误" and wrong.voided_by == admin
    relief.refresh_from_db()
    assert relief.state == "disbursed" and [p.amount for p in live(relief)] == [Decimal("3000.00")]
    corrected_again = api.as_(admin).post(f"/api/v1/disbursements/{wrong.pk}/correct/", {
        "amount": "3000.00", "reason": "再次"}, format="json")
    assert corrected_again.status_code == 400  # a voided payment is corrected no more


def test_a_closed_case_keeps_its_payments_as_they_are(api, admin, relief):
    payment = Disbursement.objects.get(pk=pay(api, admin, relief, "3000.00").json()["id"])
    _move(api, admin, relief, "disbursed")
    _move(api, admin, relief, "closed", "已发放完毕")
    refused = void(api, admin, payment)
    assert refused.status_code == 400 and "结案" in str(refused.json())


# --- on the case page ---------------------------------------------------------------------------------

def test_the_case_page_shows_money_marks_voided_and_voids_and_corrects(web, admin, leader, relief):
    browser = web.as_(admin)
    browser.post(reverse("assistance:disbursement_add", args=[relief.pk]), {
        "amount": "300", "paid_on": TODAY().isoformat(), "method": "bank"})
    wrong = Disbursement.objects.get(case=relief)
    page = browser.get(reverse("assistance:case_detail", args=[relief.pk])).content.decode()
    assert "300.00 元" in page and f'action="{reverse("assistance:disbursement_void", args=[wrong.pk])}"' in page
    assert "有效发放合计 <strong>300.00 元</strong>" in page
    assert "请在上面“更正此笔”" in page  # paid once: no second payment form
    twice = browser.post(reverse("assistance:disbursement_add", args=[relief.pk]), {
        "amount": "300", "paid_on": TODAY().isoformat(), "method": "bank"})  # a stale tab, a second click
    assert twice.status_code == 400 and "不能重复发放" in twice.content.decode()
    missing = browser.post(reverse("assistance:disbursement_void", args=[wrong.pk]), {f"void{wrong.pk}-reason": ""})
    assert missing.status_code == 400 and "请写明作废原因。" in missing.content.decode()
    browser.post(reverse("assistance:disbursement_correct", args=[wrong.pk]), {
        f"fix{wrong.pk}-amount": "3000", f"fix{wrong.pk}-paid_on": TODAY().isoformat(),
        f"fix{wrong.pk}-method": "bank", f"fix{wrong.pk}-reason": "少录一个零"})
    wrong.refresh_from_db()
    assert wrong.void_reason == "少录一个零"
    page = browser.get(reverse("assistance:case_detail", args=[relief.pk])).content.decode()
    assert "已作废" in page and "少录一个零" in page and "3,000.00 元" in page
    assert "有效发放合计 <strong>3,000.00 元</strong>" in page and "作废 1 笔不计" in page
    theirs = web.as_(leader).get(reverse("assistance:case_detail", args=[relief.pk])).content.decode()
    # The leader reads, and voids or corrects nothing.
    assert reverse("assistance:disbursement_void", args=[wrong.pk]) not in theirs and "登记发放" not in theirs
    assert web.as_(leader).post(reverse("assistance:disbursement_void", args=[wrong.pk]),
                                {f"void{wrong.pk}-reason": "x"}).status_code == 403


def test_a_payment_recorded_above_its_approval_before_the_rule_is_flagged_for_correction(web, admin, relief):
    old = DisbursementFactory(case=relief, amount=Decimal("99999.00"), by=admin)  # as the old code let it in
    page = web.as_(admin).get(reverse("assistance:case_detail", args=[relief.pk])).content.decode()
    assert "99,999.00 元" in page and "超过批准金额 3,000.00 元，请更正" in page
    listed = web.as_(admin).get(reverse("assistance:disbursement_list")).content.decode()
    assert "超过批准金额" in listed
    services.disbursement_correct(actor=admin, payment=old, reason="多录了两个 9", amount=Decimal("3000.00"))
    page = web.as_(admin).get(reverse("assistance:case_detail", args=[relief.pk])).content.decode()
    assert "请更正" not in page


# --- many clerks at once (PostgreSQL: real row locks) ------------------------------------------------------

@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["temporary", "dibao"])
def test_parallel_payments_record_exactly_one(admin, staff_east, zhang, kind):
    import threading

    from django.db import connection, connections
    from rest_framework.test import APIClient

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the race needs PostgreSQL's row locks (DATABASE_URL)")
    case = CaseFactory(resident=zhang, kind=kind, state="approved", requested_amount=Decimal("500.00"),
                       created_by=staff_east)
    clerks = 6
    start = threading.Barrier(clerks)
    answers = []

    def clerk():
        client = APIClient()
        client.force_authenticate(admin)
        try:
            start.wait()
            answers.append(client.post(f"/api/v1/cases/{case.pk}/disbursements/", {
                "amount": "500.00", "paid_on": TODAY().isoformat(), "method": "cash",
                "period_from": TODAY().replace(day=1).isoformat()}, format="json"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clerk) for _ in range(clerks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [201] + [400] * (clerks - 1)
    assert all("重复" in str(a.json()) for a in answers if a.status_code == 400)
    assert Disbursement.objects.filter(case=case).live().count() == 1
    assert Disbursement.objects.filter(case=case).count() == 1
