"""The child-services sheet's pack figures: per community, the rounds due in a month, delivered, missed and
still open, in one query, within the reader's scope."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from child_services import services
from child_services.models import NutritionDelivery
from child_services.selectors import nutrition_figures
from tests.child_services.test_nutrition import _years_ago
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def october(staff_east, staff_west, gridder, east1, west1):
    east_child = ResidentFactory(name="刘小明", grid=east1, birth=_years_ago(8), tags=["child_in_difficulty"])
    west_child = ResidentFactory(name="孙小亮", grid=west1, birth=_years_ago(9), tags=["left_behind_child"])
    services.plan_create(actor=staff_east, child=east_child, worker=gridder, starts_on=date(2026, 9, 1))
    services.plan_create(actor=staff_west, child=west_child, worker=staff_west, starts_on=date(2026, 9, 1))
    services.nutrition_run(today=date(2026, 9, 30))  # September's two rounds each
    services.nutrition_run(today=date(2026, 10, 31))  # October's
    east_oct = NutritionDelivery.objects.filter(plan__child=east_child, due_on__month=10).order_by("due_on")
    services.delivery_confirm(actor=gridder, delivery=east_oct[0], received_by="奶奶",
                              delivered_at=timezone.make_aware(datetime(2026, 10, 1, 17)))
    services.delivery_miss(actor=gridder, delivery=east_oct[1], reason="住院")
    return east_child, west_child


def test_each_community_has_its_months_rounds_due_delivered_missed_and_open(admin, october, east, west,
                                                                             django_assert_num_queries):
    with django_assert_num_queries(1):  # the rounds of the month, counted by community and status
        figures = nutrition_figures(admin, date(2026, 10, 1))
    assert figures == {east.pk: {"due": 2, "delivered": 1, "missed": 1, "open": 0},
                       west.pk: {"due": 2, "delivered": 0, "missed": 0, "open": 2}}
    assert nutrition_figures(admin, date(2026, 9, 15))[east.pk] == {"due": 2, "delivered": 0, "missed": 0,
                                                                    "open": 2}


def test_staff_count_only_their_communitys_children_and_others_none(staff_east, operator, october, east):
    assert set(nutrition_figures(staff_east, date(2026, 10, 1))) == {east.pk}
    assert nutrition_figures(operator, date(2026, 10, 1)) == {}


def test_a_figure_is_the_number_its_list_shows(api, admin, october, east):
    figure = nutrition_figures(admin, date(2026, 10, 1))[east.pk]["missed"]
    listed = api.as_(admin).get(f"/api/v1/nutrition-deliveries/?community={east.pk}&status=missed"
                                "&due_from=2026-10-01&due_to=2026-10-31").json()["count"]
    assert figure == listed == 1
