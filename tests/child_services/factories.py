"""Factories of the child programmes. The defaults tell one story: 向日葵亲子小屋 of a community runs 亲子早教班
for children of 0–36 months, 10 places, its window opened yesterday and closes in a month; a child of two
(born two years ago) enrols with her mother as guardian, by name and phone."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from child_services.models import Attendance, Enrolment, EnrolmentStatus, Programme, ProgrammeKind, Session
from residents.models import PointKind
from tests.factories import CommunityFactory, GridFactory, ResidentFactory, ServicePointFactory


def years_ago(years: int, days: int = 0):
    today = timezone.localdate()
    return today.replace(year=today.year - years) - timedelta(days=days)


class HutFactory(ServicePointFactory):
    """A 亲子小屋 of a community."""

    community = factory.SubFactory(CommunityFactory)
    kind = PointKind.PARENT_CHILD_HUT
    name = factory.Sequence(lambda n: f"向日葵亲子小屋{n}")


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    point = factory.SubFactory(HutFactory)
    name = factory.Sequence(lambda n: f"亲子早教班{n}")
    kind = ProgrammeKind.EARLY_EDUCATION
    age_min_months = 0
    age_max_months = 36
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=90))
    capacity = 10
    enrol_opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    enrol_closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    fee = Decimal("0")


def child_in(grid=None, *, years: int = 2, days: int = 0, name: str = "小雨", **kwargs):
    return ResidentFactory(name=name, grid=grid or GridFactory(), birth=years_ago(years, days), female=True,
                           phone="", **kwargs)


class SessionFactory(factory.django.DjangoModelFactory):
    """Yesterday morning's session, 9:30 to 11:00."""

    class Meta:
        model = Session

    programme = factory.SubFactory(ProgrammeFactory)
    starts_at = factory.LazyFunction(
        lambda: timezone.localtime().replace(hour=9, minute=30, second=0, microsecond=0) - timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(minutes=90))


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    programme = factory.SubFactory(ProgrammeFactory)
    child = factory.LazyAttribute(lambda e: child_in(GridFactory(community=e.programme.point.community)))
    guardian_name = "刘芳"
    guardian_phone = "13800001111"
    status = EnrolmentStatus.ENROLLED
    enrolled_at = factory.LazyFunction(timezone.now)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(SessionFactory)
    enrolment = factory.SubFactory(EnrolmentFactory, programme=factory.SelfAttribute("..session.programme"))
    present = True
    recorded_by = factory.SubFactory("tests.factories.UserFactory")
