"""赵管理 checks what was paid out this month: the disbursement list, its total, the same rows through the
API and as a spreadsheet, each in the reader's scope and with ID numbers masked."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.assistance.factories import DisbursementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def payments(admin, staff_east, staff_west, zhang, wang):
    """Paid today by bank, on approved temporary cases: 1200.00 to 张春露 (东园), 800.50 to 王建国 (西园)."""
    return [DisbursementFactory(case__resident=person, case__kind="temporary", case__created_by=staff,
                                amount=Decimal(amount), method="bank", by=admin)
            for person, staff, amount in [(zhang, staff_east, "1200.00"), (wang, staff_west, "800.50")]]


def test_the_list_its_total_the_api_and_the_export_agree(web, api, admin, payments, zhang):
    page = web.as_(admin).get(reverse("assistance:disbursement_list"))
    assert page.context["summary"] == {"count": 2, "amount": Decimal("2000.50")}
    assert "合计 <strong>2000.50</strong> 元" in page.content.decode()
    ids = sorted(r["id"] for r in api.as_(admin).get("/api/v1/disbursements/").json()["results"])
    assert ids == sorted(d.pk for d in payments)
    book = load_workbook(io.BytesIO(b"".join(
        web.as_(admin).get(reverse("assistance:disbursement_list") + "?format=xlsx").streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[0][:4] == ("发放日期", "案件编号", "姓名", "身份证号")
    assert zhang.id_number not in str(rows) and "********" in str(rows)


def test_community_staff_see_only_their_communitys_payments(web, api, staff_east, staff_west, payments, zhang):
    listed = api.as_(staff_east).get("/api/v1/disbursements/").json()["results"]
    assert [r["case"] for r in listed] == [payments[0].case_id]
    page = web.as_(staff_west).get(reverse("assistance:disbursement_list") + f"?community={zhang.community_id}")
    assert page.context["summary"]["count"] == 0  # 东园 is not 李强's: the filter offers it no rows


@pytest.mark.parametrize("persona", ["operator", "auditor"])
def test_roles_without_relief_business_are_refused(request, web, api, persona, payments):
    user = request.getfixturevalue(persona)
    assert web.as_(user).get(reverse("assistance:disbursement_list")).status_code == 403
    assert api.as_(user).get("/api/v1/disbursements/").status_code == 403


def test_the_list_asks_a_fixed_number_of_questions(web, admin, payments, django_assert_num_queries):
    browser = web.as_(admin)
    # Session, user (2), count, the page with case, resident, community and clerk (2), the total (1), the
    # filter form's community choices (1), the unread badge (1), the session refresh (3).
    with django_assert_num_queries(10):
        assert browser.get(reverse("assistance:disbursement_list")).status_code == 200
