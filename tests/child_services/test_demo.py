"""seed_demo's child programmes: a 亲子小屋 in every community, classes with a waiting list, registers taken.

The demo's nutrition packs and wishes: plans with past rounds, brought and some missed; wishes in every
state, each walked through its path."""
import pytest

from child_services.demo import seed_programmes
from child_services.models import Attendance, Enrolment, EnrolmentStatus, Programme
from residents import demo
from residents.models import PointKind, ServicePoint


def test_every_community_has_a_hut_with_a_class_a_waiting_list_and_registers(db):
    place = demo.seed(residents=800, seed=3)
    demo.seed_points(subdistrict=place.subdistrict, seed=3)
    demo.ensure_accounts(place.subdistrict, demo.PASSWORD_DEFAULT)
    assert seed_programmes(subdistrict=place.subdistrict, seed=3) > 0
    communities = set(place.subdistrict.communities.values_list("pk", flat=True))
    huts = ServicePoint.objects.filter(subdistrict=place.subdistrict, kind=PointKind.PARENT_CHILD_HUT)
    assert set(huts.values_list("community", flat=True)) == communities
    assert Programme.objects.filter(point__in=huts, kind="early_education").count() == len(communities)
    assert Enrolment.objects.filter(status=EnrolmentStatus.WAITLISTED).exists()
    assert Attendance.objects.filter(present=True).exists() and Attendance.objects.filter(present=False).exists()
    before = Enrolment.objects.count()
    assert seed_programmes(subdistrict=place.subdistrict, seed=3) == 0 and Enrolment.objects.count() == before


pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_place(db):
    from residents import demo

    result = demo.seed(residents=1500, seed=2)
    demo.ensure_accounts(result.subdistrict, "Demo-pass-2026")
    return result.subdistrict


def test_the_demo_has_pack_plans_with_past_rounds_brought_and_missed(demo_place):
    from child_services import demo
    from child_services.models import NutritionDelivery, NutritionPlan

    made = demo.seed_nutrition(subdistrict=demo_place, seed=3)
    assert made == NutritionDelivery.objects.count() > 0
    assert 0 < NutritionPlan.objects.count() <= 20
    assert all(plan.child.age < 18 for plan in NutritionPlan.objects.select_related("child"))
    statuses = set(NutritionDelivery.objects.values_list("status", flat=True))
    assert {"delivered", "missed"} <= statuses
    assert not NutritionDelivery.objects.filter(status="delivered", received_by="").exists()
    assert demo.seed_nutrition(subdistrict=demo_place, seed=3) == 0


def test_the_demo_has_wishes_in_every_state_each_with_its_steps(demo_place):
    from assistance import demo
    from assistance.models import Wish, WishState

    made = demo.seed_wishes(subdistrict=demo_place, seed=3)
    assert made == Wish.objects.count()
    assert set(Wish.objects.values_list("state", flat=True)) == set(WishState.values)
    assert Wish.objects.filter(for_child=True).exists() and Wish.objects.filter(for_child=False).exists()
    fulfilled = Wish.objects.filter(state="fulfilled").first()
    assert fulfilled.transitions.count() == 5 and fulfilled.donor and fulfilled.fulfilled_on
    assert demo.seed_wishes(subdistrict=demo_place, seed=3) == 0
