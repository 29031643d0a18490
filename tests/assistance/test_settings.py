"""赵管理 sets 和平里's local standards: the 低保 line, the days of notice, the review period and which
kinds of assistance the office handles; a means-tested application shows its income against the line."""

import pytest
from django.urls import reverse

from assistance import services

pytestmark = pytest.mark.django_db


def test_means_tested_kinds_need_income_and_show_it_against_the_local_line(web, api, staff_east, admin, zhang, li):
    refused = api.as_(staff_east).post("/api/v1/cases/", {"resident": zhang.pk, "kind": "dibao", "reason": "困难"},
                                       format="json")
    assert refused.status_code == 400 and "household_size" in refused.json()
    web.as_(admin).post(reverse("assistance:settings"), {"dibao_threshold": "1000", "publicity_days": "5",
                                                         "review_months": "3"})
    case = services.case_open(actor=staff_east, resident=zhang, kind="dibao",
                              data={"reason": "困难", "household_size": 2, "monthly_income": 2400})
    assert case.publicity_days == 5
    means = web.as_(staff_east).get(reverse("assistance:case_detail", args=[case.pk])).context["means"]
    assert means == {"per_capita": 1200, "threshold": 1000, "below": False}
    assert web.as_(staff_east).get(reverse("assistance:settings")).status_code == 403


def test_the_admin_chooses_which_kinds_the_office_handles(web, api, admin, staff_east, zhang):
    web.as_(admin).post(reverse("assistance:settings"), {"dibao_threshold": "1395", "publicity_days": "7",
                                                         "review_months": "6", "kinds": ["temporary", "medical"]})
    form = web.as_(staff_east).get(reverse("assistance:case_create", args=[zhang.pk])).context["form"]
    assert [k for k, _ in form.fields["kind"].choices] == ["temporary", "medical"]
    refused = api.as_(staff_east).post("/api/v1/cases/", {"resident": zhang.pk, "kind": "micro_wish",
                                                          "reason": "想要一台收音机"}, format="json")
    assert refused.status_code == 400 and "不受理" in refused.json()["kind"][0]
