"""李秀英 applies for 低保: the case walks its fixed path, each step by the role allowed to take it."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from assistance import services
from assistance.models import Case, CaseTransition, Disbursement
from tests.assistance.factories import CaseFactory

from .conftest import _move

pytestmark = pytest.mark.django_db


def test_the_whole_path_from_application_to_closing(api, case, staff_east, admin):
    assert _move(api, staff_east, case, "community_reviewed", "材料齐全").status_code == 200
    assert _move(api, admin, case, "subdistrict_reviewed").status_code == 200
    assert _move(api, admin, case, "publicized").json()["publicized_on"] == date.today().isoformat()
    refused = _move(api, admin, case, "approved")
    assert refused.status_code == 400 and "公示期到" in refused.json()["to"][0]
    Case.objects.filter(pk=case.pk).update(publicized_on=date.today() - timedelta(days=8))
    approved = _move(api, admin, case, "approved").json()
    assert approved["state"] == "approved" and approved["review_due"]  # 低保 is reviewed every six months
    assert _move(api, admin, case, "disbursed").status_code == 400  # nothing paid yet
    this_month = date.today().replace(day=1)
    paid = api.as_(admin).post(f"/api/v1/cases/{case.pk}/disbursements/", {
        "amount": "1200.00", "paid_on": date.today().isoformat(), "method": "bank",
        "period_from": this_month.isoformat()}, format="json")
    assert paid.status_code == 201
    assert _move(api, admin, case, "disbursed").status_code == 200
    api.as_(admin).post(f"/api/v1/cases/{case.pk}/disbursements/", {
        "amount": "1200.00", "paid_on": date.today().isoformat(), "method": "bank",
        "period_from": (this_month - timedelta(days=1)).replace(day=1).isoformat()}, format="json")
    assert Disbursement.objects.filter(case=case).count() == 2  # ongoing: monthly until closed
    closed = _move(api, admin, case, "closed", "迁出本区").json()
    assert closed["state"] == "closed"
    assert [(h["from_state"], h["to_state"]) for h in closed["history"]] == [
        ("", "applied"), ("applied", "community_reviewed"), ("community_reviewed", "subdistrict_reviewed"),
        ("subdistrict_reviewed", "publicized"), ("publicized", "approved"), ("approved", "disbursed"),
        ("disbursed", "closed")]
    assert closed["history"][1]["by"] == "staff_east" and closed["history"][1]["comment"] == "材料齐全"


@pytest.mark.parametrize("persona, to, status, words", [
    ("staff_east", "subdistrict_reviewed", 400, "不能跳过"),
    ("admin", "community_reviewed", 403, "社区工作人员"),
    ("leader", "community_reviewed", 403, None),
    ("auditor", "community_reviewed", 403, None),
    ("security", "community_reviewed", 403, None),
    ("gridder", "community_reviewed", 404, None),  # 李秀英 lives in 东二, not 周网格's grid
    ("staff_east", "rejected", 400, "理由"),
    ("staff_east", "promoted", 400, None),
    ("staff_west", "community_reviewed", 404, None),
])
def test_a_step_not_allowed_is_refused_with_a_reason(request, api, case, persona, to, status, words):
    response = _move(api, request.getfixturevalue(persona), case, to)
    assert response.status_code == status
    if words:
        assert words in str(response.json())
    case.refresh_from_db()
    assert case.state == "applied" and CaseTransition.objects.filter(case=case).count() == 1


def test_a_grid_worker_opens_a_case_but_cannot_review_it(api, gridder, zhang):
    case = services.case_open(actor=gridder, resident=zhang, kind="medical", data={"reason": "住院"})
    response = _move(api, gridder, case, "community_reviewed")
    assert response.status_code == 403 and "社区工作人员" in response.json()["detail"]


def test_a_rejection_by_the_role_of_the_step_with_a_reason_ends_the_case(api, case, staff_east, admin):
    assert _move(api, staff_east, case, "rejected", "收入超过标准").json()["state"] == "rejected"
    assert _move(api, admin, case, "community_reviewed").status_code == 400  # nothing after the end


def test_grid_workers_open_cases_only_for_their_grid_and_leaders_open_none(api, gridder, leader, zhang, li):
    body = {"kind": "temporary", "reason": "突发疾病"}
    assert api.as_(gridder).post("/api/v1/cases/", {**body, "resident": zhang.pk}, format="json").status_code == 201
    assert api.as_(gridder).post("/api/v1/cases/", {**body, "resident": li.pk}, format="json").status_code == 400
    assert api.as_(leader).post("/api/v1/cases/", {**body, "resident": zhang.pk}, format="json").status_code == 403


def test_a_one_off_assistance_is_paid_once(api, staff_east, admin, zhang):
    case = CaseFactory(resident=zhang, kind="temporary", state="approved", reason="火灾", created_by=staff_east)
    services.disbursement_add(actor=admin, case=case, amount=500, paid_on=date.today(), method="cash")
    services.case_transition(actor=admin, case=case, to="disbursed")
    again = api.as_(admin).post(f"/api/v1/cases/{case.pk}/disbursements/", {
        "amount": "500", "paid_on": date.today().isoformat(), "method": "cash"}, format="json")
    assert again.status_code == 400 and "不能重复发放" in str(again.json())


def test_the_case_list_filters_alike_on_page_and_api_and_stays_in_scope(api, web, case, staff_east, staff_west,
                                                                        admin):
    for query in ["kind=dibao", "state=applied", f"resident={case.resident_id}", "opened_from=2000-01-01",
                  f"community={case.resident.community_id}"]:
        api_ids = {c["id"] for c in api.as_(admin).get(f"/api/v1/cases/?{query}").json()["results"]}
        page_ids = {c.pk for c in web.as_(admin).get(f"{reverse('assistance:case_list')}?{query}")
                    .context["object_list"]}
        assert api_ids == page_ids == {case.pk}, query
    assert api.as_(staff_west).get("/api/v1/cases/").json()["count"] == 0
    assert web.as_(staff_west).get(reverse("assistance:case_detail", args=[case.pk])).status_code == 404


def test_the_case_page_offers_only_the_steps_the_user_may_take(web, case, staff_east, admin, leader):
    assert [s for s, _ in web.as_(staff_east).get(reverse("assistance:case_detail", args=[case.pk]))
            .context["moves"]] == ["community_reviewed", "rejected"]
    assert web.as_(admin).get(reverse("assistance:case_detail", args=[case.pk])).context["moves"] == []
    assert web.as_(leader).get(reverse("assistance:case_detail", args=[case.pk])).context["moves"] == []
    web.as_(staff_east).post(reverse("assistance:case_transition", args=[case.pk]), {"to": "community_reviewed"})
    case.refresh_from_db()
    assert case.state == "community_reviewed"


def test_the_case_list_does_not_grow_queries_with_rows(api, staff_east, zhang, li):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    CaseFactory.create_batch(5, resident=zhang, kind="temporary", reason="x", created_by=staff_east)
    client = api.as_(staff_east)
    client.get("/api/v1/cases/")
    counts = []
    for size in (1, 50):
        with CaptureQueriesContext(connection) as ctx:
            client.get(f"/api/v1/cases/?page_size={size}")
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_the_printable_notice_masks_the_id_number(web, api, case, staff_east, admin):
    _move(api, staff_east, case, "community_reviewed")
    _move(api, admin, case, "subdistrict_reviewed")
    assert web.as_(admin).get(reverse("assistance:notice", args=[case.pk])).status_code == 404  # not yet public
    _move(api, admin, case, "publicized")
    html = web.as_(admin).get(reverse("assistance:notice", args=[case.pk])).content.decode()
    assert "李秀英" in html and case.resident.id_number not in html and case.resident.id_number_masked in html


def test_an_ongoing_case_due_for_review_reminds_its_worker_once(case, staff_east, admin):
    from assistance.services import case_reviews_run
    from jiedao.models import Notification

    Case.objects.filter(pk=case.pk).update(state="disbursed", review_due=date.today() - timedelta(days=1))
    case_reviews_run()
    case_reviews_run()
    review = Notification.objects.get(kind="case_review")
    assert review.recipient == staff_east and "复核" in review.message


def test_after_community_review_the_case_page_says_it_waits_for_the_subdistrict(web, case, staff_east, admin):
    """王丽 has done her step: her page no longer reads as if the case waits for her, and says whose move
    it is now (the case path knows which role moves each state)."""
    page = web.as_(staff_east).get(reverse("assistance:case_detail", args=[case.pk])).content.decode()
    assert "待社区初审（社区工作人员）" in page and "请您办理" in page
    web.as_(staff_east).post(reverse("assistance:case_transition", args=[case.pk]), {"to": "community_reviewed"})
    page = web.as_(staff_east).get(reverse("assistance:case_detail", args=[case.pk])).content.decode()
    assert "待街道审核（街道管理员）" in page and "您无需操作" in page and "请您办理" not in page
    assert "待街道审核（街道管理员）" in web.as_(staff_east).get(reverse("assistance:case_list")).content.decode()
    assert "请您办理" in web.as_(admin).get(reverse("assistance:case_detail", args=[case.pk])).content.decode()


def test_the_path_names_whose_move_each_state_waits_for():
    from assistance.workflow import PATH

    assert PATH.waiting_for("applied") == "待社区初审（社区工作人员）"
    assert PATH.waiting_for("publicized") == "待审批（街道管理员）"
    assert PATH.waiting_for("disbursed") == "待结案（街道管理员）"
    assert PATH.waiting_for("closed") == "已结案" and PATH.waiting_for("rejected") == "已驳回"
