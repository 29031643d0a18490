"""The child-services sheet's wish figures: children's wishes by state, per community, in one query; a
past month as it stood at its end."""

from datetime import timedelta

import pytest
from django.utils import timezone

from assistance import services
from assistance.models import Wish, WishTransition
from assistance.selectors import wish_figures
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def _years_ago(years):
    today = timezone.localdate()
    return today.replace(year=today.year - years) - timedelta(days=30)


@pytest.fixture
def wishes(gridder, staff_east, staff_west, admin, east1, west1, zhang):
    child = ResidentFactory(name="刘小明", grid=east1, birth=_years_ago(8))
    teen = ResidentFactory(name="孙小亮", grid=west1, birth=_years_ago(17))
    data = {"wish": "一套水彩笔", "value": "60.00"}
    first = services.wish_collect(actor=gridder, resident=child, data=data)
    services.wish_collect(actor=gridder, resident=child, data={**data, "wish": "一个书包"})
    services.wish_collect(actor=staff_west, resident=teen, data=data)
    services.wish_collect(actor=gridder, resident=zhang, data={**data, "wish": "一台收音机"})  # no child's wish
    services.wish_transition(actor=staff_east, wish=first, to="reviewed")
    services.wish_transition(actor=admin, wish=first, to="published")
    return first


def test_childrens_wishes_by_state_per_community(admin, wishes, east, west, django_assert_num_queries):
    with django_assert_num_queries(1):  # the wishes of children, counted by community and state
        figures = wish_figures(admin)
    assert {k: v for k, v in figures[east.pk].items() if v} == {"collected": 1, "published": 1}
    assert {k: v for k, v in figures[west.pk].items() if v} == {"collected": 1}


def test_a_past_month_counts_the_wishes_as_they_stood_at_its_end(admin, wishes, east):
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    moved_at = timezone.now() - timedelta(days=40)
    Wish.objects.update(created_at=moved_at)
    WishTransition.objects.filter(to_state="collected").update(at=moved_at)
    # Collected 40 days ago (before last month's end), reviewed and published today: at last month's end both
    # of 东园's children's wishes were still collected.
    figures = wish_figures(admin, last_month)
    assert {k: v for k, v in figures[east.pk].items() if v} == {"collected": 2}


def test_a_wish_collected_for_a_child_stays_a_childs_wish(admin, wishes, east):
    wishes.resident.birth_date = wishes.resident.birth_date.replace(year=wishes.resident.birth_date.year - 20)
    wishes.resident.save()
    assert sum(wish_figures(admin)[east.pk].values()) == 2


def test_staff_count_their_communities_only(staff_east, operator, wishes, east):
    assert set(wish_figures(staff_east)) == {east.pk}
    assert wish_figures(operator) == {}
