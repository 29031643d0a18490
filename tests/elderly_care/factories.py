"""Factories of elderly care: meal prices and discount rules, meals at the counter, enrolments in a
care service with their service log, and meal deliveries. Service points are places: ServicePointFactory
is in tests/factories.py.

The defaults tell one story: lunch costs 15.00; a diner of 76 (ResidentFactory's age) pays the 70–79 band's
60%, 9.00, and the subsidy is the rest. A meal's diner lives in its point's sub-district (in its community
when the point has one) and the operator of that point checks them in.
"""

from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from elderly_care.models import (
    CareEnrolment,
    DeliveryStatus,
    EnrolmentKind,
    Meal,
    MealDelivery,
    MealPrice,
    MealType,
    PriceRule,
    ServiceLog,
)
from residents import id_numbers
from residents.models import Tag
from tests.factories import (
    CommunityFactory,
    GridFactory,
    ResidentFactory,
    ServicePointFactory,
    SubdistrictFactory,
    operator_at,
    staff_of,
)


class MealPriceFactory(factory.django.DjangoModelFactory):
    """The full price of lunch (one price per sub-district and meal)."""

    class Meta:
        model = MealPrice

    subdistrict = factory.SubFactory(SubdistrictFactory)
    meal = MealType.LUNCH
    full_price = Decimal("15.00")


class PriceRuleFactory(factory.django.DjangoModelFactory):
    """A discount by age band (80+ pay 40%) or, given a tag, by group: never both (a check constraint)."""

    class Meta:
        model = PriceRule

    subdistrict = factory.SubFactory(SubdistrictFactory)
    tag = ""
    min_age = factory.Maybe("tag", yes_declaration=None, no_declaration=80)
    label = factory.LazyAttribute(lambda o: Tag(o.tag).label if o.tag else f"{o.min_age} 岁以上")
    pays_percent = 40


class MealFactory(factory.django.DjangoModelFactory):
    """Today's lunch of a 76-year-old at a canteen, as the counter stores it (price, subsidy and rule).

    `guest=True`: an elder from outside the registry, at full price, known by their ID number only.
    """

    class Meta:
        model = Meal

    class Params:
        guest = factory.Trait(
            resident=None,
            guest_id_number=factory.Sequence(lambda n: id_numbers.make("320102", date(1950, 5, 5), (2 * n) % 1000,
                                                                      female=False)),
            price=factory.SelfAttribute("full_price"),
            rule="辖区外来宾（全价）",
        )

    point = factory.SubFactory(ServicePointFactory)
    meal = MealType.LUNCH
    date = factory.LazyFunction(timezone.localdate)
    full_price = Decimal("15.00")
    price = Decimal("9.00")
    subsidy = factory.LazyAttribute(lambda o: o.full_price - o.price)
    rule = "70–79 岁"
    operator = factory.LazyAttribute(lambda o: operator_at(o.point))

    @factory.lazy_attribute
    def resident(self):
        community = self.point.community or CommunityFactory(subdistrict=self.point.subdistrict)
        return ResidentFactory(grid=GridFactory(community=community))

    @factory.lazy_attribute
    def name(self):
        return self.resident.name if self.resident else ""

    @factory.lazy_attribute
    def age(self):
        if self.resident:
            return self.resident.age
        return id_numbers.age_between(id_numbers.parse(self.guest_id_number).birth_date, self.date)


class CareEnrolmentFactory(factory.django.DjangoModelFactory):
    """A resident enrolled since today for meal delivery from a canteen of their community.

    A delivery always has its point (a check constraint); a home-care bed has its provider instead.
    At most one open enrolment per resident and kind.
    """

    class Meta:
        model = CareEnrolment

    resident = factory.SubFactory(ResidentFactory)
    kind = EnrolmentKind.MEAL_DELIVERY
    since = factory.LazyFunction(timezone.localdate)
    ended_on = None

    @factory.lazy_attribute
    def point(self):
        if self.kind != EnrolmentKind.MEAL_DELIVERY:
            return None
        return ServicePointFactory(community=self.resident.community)

    @factory.lazy_attribute
    def provider(self):
        return "和平里居家养老服务有限公司" if self.kind == EnrolmentKind.HOME_CARE_BED else ""


class ServiceLogFactory(factory.django.DjangoModelFactory):
    """A bath given under a home-care bed, logged by staff of the resident's community."""

    class Meta:
        model = ServiceLog

    enrolment = factory.SubFactory(CareEnrolmentFactory, kind=EnrolmentKind.HOME_CARE_BED)
    at = factory.LazyFunction(timezone.now)
    by = factory.LazyAttribute(lambda o: staff_of(o.enrolment.resident.community))
    notes = "助浴"


class MealDeliveryFactory(factory.django.DjangoModelFactory):
    """Today's lunch delivered to an enrolled resident by their point's operator (a missed one says why:
    a check constraint)."""

    class Meta:
        model = MealDelivery

    enrolment = factory.SubFactory(CareEnrolmentFactory, kind=EnrolmentKind.MEAL_DELIVERY)
    point = factory.SelfAttribute("enrolment.point")
    date = factory.LazyFunction(timezone.localdate)
    meal = MealType.LUNCH
    status = DeliveryStatus.DELIVERED
    reason = factory.LazyAttribute(lambda o: "住院" if o.status == DeliveryStatus.MISSED else "")
    by = factory.LazyAttribute(lambda o: operator_at(o.point))
