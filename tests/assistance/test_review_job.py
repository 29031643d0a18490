"""王丽 opened 李秀英's 低保 case; six months on it is due for review. A daily job of assistance's own puts
that in her inbox, once, with the case to open; run by hand it says what it did."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from assistance.models import Case
from jiedao.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_case(staff_east, li):
    return Case.objects.create(resident=li, kind="dibao", state="disbursed", reason="丈夫去世，无固定收入",
                               household_size=2, created_by=staff_east, review_due=date.today() - timedelta(days=1))


def test_the_review_reminder_leads_to_the_case(web, due_case, staff_east):
    call_command("run_case_reviews", stdout=None)
    review = Notification.objects.get(kind="case_review", recipient=staff_east)
    assert review.link == reverse("assistance:case_detail", args=[due_case.pk])
    page = web.as_(staff_east).get(reverse("inbox")).content.decode()
    assert f'href="{review.link}"' in page and "复核" in page


def test_the_command_says_what_it_wrote_and_writes_nothing_twice(due_case, capsys):
    call_command("run_case_reviews", "--now", f"{date.today():%Y-%m-%d}T07:30")
    assert "写入复核提醒 1 条" in capsys.readouterr().out
    call_command("run_case_reviews")
    assert "写入复核提醒 0 条" in capsys.readouterr().out
    with pytest.raises(Exception, match="格式"):
        call_command("run_case_reviews", "--now", "明天")


def test_a_case_not_yet_due_or_closed_reminds_nobody(due_case):
    Case.objects.filter(pk=due_case.pk).update(review_due=date.today() + timedelta(days=3))
    call_command("run_case_reviews")
    Case.objects.filter(pk=due_case.pk).update(state="closed", review_due=date.today() - timedelta(days=3))
    call_command("run_case_reviews")
    assert not Notification.objects.exists()


def test_a_worker_who_left_the_residents_scope_is_not_told_about_them_the_office_is(due_case, staff_east, admin):
    staff_east.role = "point_operator"  # moved to a canteen counter: she sees no resident any more
    staff_east.save()
    call_command("run_case_reviews")
    # 东园 has no other staff, so the sub-district's admin hears of it, as escalations go.
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == [admin.username]
