"""赵管理 checks what was paid out this month: the disbursement list, its total, the same rows through the
API and as a spreadsheet, each in the reader's scope and with ID numbers masked. A voided payment stays on
the list, marked 作废, and counts in no total."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from assistance import services
from tests.assistance.factories import DisbursementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def payments(admin, staff_east, staff_west, zhang, wang):
    """Paid today by bank, on approved temporary cases: 1200.00 to 张春露 (东园), 800.50 to 王建国 (西园)."""
    return [DisbursementFactory(case__resident=person, case__kind="temporary", case__created_by=staff,
                                case__requested_amount=Decimal("5000.00"), amount=Decimal(amount), method="bank",
                                by=admin)
            for person, staff, amount in [(zhang, staff_east, "1200.00"), (wang, staff_west, "800.50")]]


def _book(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_list_its_total_the_api_and_the_export_agree(web, api, admin, payments, zhang):
    page = web.as_(admin).get(reverse("assistance:disbursement_list"))
    assert page.context["summary"] == {"count": 2, "live": 2, "voided": 0, "amount": Decimal("2000.50")}
    assert "合计 <strong>2,000.50 元</strong>" in page.content.decode()
    ids = sorted(r["id"] for r in api.as_(admin).get("/api/v1/disbursements/").json()["results"])
    assert ids == sorted(d.pk for d in payments)
    book = _book(web.as_(admin).get(reverse("assistance:disbursement_list") + "?format=xlsx"))
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[0][:4] == ("发放日期", "案件编号", "姓名", "身份证号")
    assert zhang.id_number not in str(rows) and "********" in str(rows)


def test_a_voided_payment_stays_listed_marked_and_counts_in_no_total(web, api, admin, payments):
    services.disbursement_void(actor=admin, payment=payments[0], reason="重复登记")
    page = web.as_(admin).get(reverse("assistance:disbursement_list"))
    assert page.context["summary"] == {"count": 2, "live": 1, "voided": 1, "amount": Decimal("800.50")}
    html = page.content.decode()
    assert "合计 <strong>800.50 元</strong>" in html and "作废 1 笔不计入合计" in html
    assert 'class="voided"' in html and "重复登记" in html
    assert "1,200.00 元" in html and "800.50 元" in html
    live_only = web.as_(admin).get(reverse("assistance:disbursement_list") + "?status=live")
    assert [d.pk for d in live_only.context["object_list"]] == [payments[1].pk]
    voided = api.as_(admin).get("/api/v1/disbursements/?status=voided").json()["results"]
    assert [(r["id"], r["voided"], r["void_reason"]) for r in voided] == [(payments[0].pk, True, "重复登记")]
    rows = list(_book(web.as_(admin).get(reverse("assistance:disbursement_list") + "?format=xlsx"))
                .active.iter_rows(values_only=True))
    header = rows[0]
    amount, state, why = (header.index(h) for h in ("金额（元）", "状态", "作废原因"))
    status = {row[amount]: (row[state], row[why]) for row in rows[1:]}
    assert status == {1200: ("作废", "重复登记"), 800.5: ("有效", None)}


def test_community_staff_see_only_their_communitys_payments(web, api, staff_east, staff_west, payments, zhang):
    listed = api.as_(staff_east).get("/api/v1/disbursements/").json()["results"]
    assert [r["case"] for r in listed] == [payments[0].case_id]
    page = web.as_(staff_west).get(reverse("assistance:disbursement_list") + f"?community={zhang.community_id}")
    assert page.context["summary"]["count"] == 0  # 东园 is not 李强's: the filter offers it no rows


@pytest.mark.parametrize("persona", ["operator", "auditor", "security", "district_security"])
def test_roles_without_relief_business_are_refused(request, web, api, persona, payments):
    user = request.getfixturevalue(persona)
    assert web.as_(user).get(reverse("assistance:disbursement_list")).status_code == 403
    assert api.as_(user).get("/api/v1/disbursements/").status_code == 403


def test_the_list_asks_a_fixed_number_of_questions(web, admin, payments, django_assert_num_queries):
    services.disbursement_void(actor=admin, payment=payments[0], reason="重复登记")
    browser = web.as_(admin)
    # Session, user (2), count, the page with case, resident, community and clerk (2), the totals (1), the
    # filter form's community choices (1), the unread badge (1), the authenticator that verified the session
    # (1; the idle timer is written at most once a minute, not on this request).
    with django_assert_num_queries(8):
        assert browser.get(reverse("assistance:disbursement_list")).status_code == 200


def test_the_exported_amounts_read_as_money(api, admin, zhang):
    """The payment list's Excel: the amount column says 元 and its cells read 1,200.00."""
    from openpyxl import load_workbook

    from tests.assistance.factories import CaseFactory, DisbursementFactory

    case = CaseFactory(resident=zhang, kind="medical", state="approved", requested_amount=Decimal("1200.00"))
    DisbursementFactory(case=case, amount=Decimal("1200.00"), by=admin)
    response = api.as_(admin).get("/api/v1/disbursements/?format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("金额（元）") + 1)
    assert cell.value == 1200 and cell.number_format == "#,##0.00"
