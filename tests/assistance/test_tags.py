"""One source of truth: a resident's 低保 and 特困 tags follow their approved, open cases; the registry
cannot type them in, and both sides name the same tags."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from assistance import services
from assistance.models import Case

from .conftest import _move

pytestmark = pytest.mark.django_db


def test_a_residents_dibao_tag_follows_the_approved_case_and_leaves_with_it(api, web, case, staff_east, admin):
    from residents.models import ResidentTag

    resident = case.resident
    ResidentTag.objects.filter(resident=resident).delete()  # 李秀英 had 低保 typed in by hand, before the rule
    for user, to in [(staff_east, "community_reviewed"), (admin, "subdistrict_reviewed"), (admin, "publicized")]:
        _move(api, user, case, to)
    Case.objects.filter(pk=case.pk).update(publicized_on=date.today() - timedelta(days=8))
    assert not ResidentTag.objects.filter(resident=resident, tag="dibao").exists()
    _move(api, admin, case, "approved")
    assert ResidentTag.objects.filter(resident=resident, tag="dibao").exists()
    services.disbursement_add(actor=admin, case=case, amount=1200, paid_on=date.today(), method="bank",
                              period_from=date.today().replace(day=1))
    _move(api, admin, case, "disbursed")
    _move(api, admin, case, "closed", "收入已超过标准")
    assert not ResidentTag.objects.filter(resident=resident, tag="dibao").exists()
    # the resident form shows the cases' word, and offers no tick for it
    page = web.as_(staff_east).get(reverse("residents:resident_update", args=[resident.pk]))
    assert "由救助案件决定" in page.content.decode()


def test_the_registry_and_the_cases_agree_on_which_tags_cases_keep():
    from assistance.services import CASE_TAGS
    from residents.choices import CASE_BACKED_TAGS

    assert set(CASE_TAGS.values()) == CASE_BACKED_TAGS
