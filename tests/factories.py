"""Factories of the base (users, the inbox, export jobs) and of places and people (service points too).

Each feature's own sit with its tests and build on these, as the apps do on theirs:
tests/visits/factories.py, tests/elderly_care/factories.py, tests/assistance/factories.py and
tests/reports/factories.py. Every factory saves a row the database and the model's constraints accept,
and people where they belong: a case is opened by staff of the applicant's community, a meal checked in
by an operator of its point (`staff_of`, `grid_worker_of`, `admin_of`, `operator_at` below).
"""

from datetime import date

import factory
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiedao.models import ExportJob, Notification, NotificationKind, Role, User
from jiedao.otp import TOTP_NAME, hex_key
from residents import id_numbers
from residents.models import (
    Community,
    Grid,
    Household,
    PointKind,
    Resident,
    ResidentTag,
    ServicePoint,
    Subdistrict,
)
from residents.services import set_derived_fields
from tests.otp import TOTP_SECRET


class SubdistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subdistrict
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试街道{n}")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    subdistrict = factory.SubFactory(SubdistrictFactory)
    name = factory.Sequence(lambda n: f"测试社区{n}")


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    community = factory.SubFactory(CommunityFactory)
    name = factory.Sequence(lambda n: f"第{n}网格")


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    grid = factory.SubFactory(GridFactory)
    estate = "和平里一区"
    building = "3"
    unit = "2"
    room = "501"


class ResidentFactory(factory.django.DjangoModelFactory):
    """A resident as the services would store them (derived fields filled in)."""

    class Meta:
        model = Resident

    class Params:
        birth = date(1950, 3, 1)
        female = False

    name = "张春露"
    grid = factory.SubFactory(GridFactory)
    estate = "和平里一区"
    building = "3"
    unit = "2"
    room = "501"
    phone = "13912345678"

    @factory.lazy_attribute_sequence
    def id_number(self, n):
        # Even sequence numbers, so that the sex digit make() sets never maps two n to one number.
        return id_numbers.make("110105", self.birth, (2 * n) % 1000, female=self.female)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        tags = kwargs.pop("tags", [])
        resident = model_class(*args, **kwargs)
        set_derived_fields(resident)  # the services' own rule, so test data is what they would store
        resident.save()
        ResidentTag.objects.bulk_create([ResidentTag(resident=resident, tag=t) for t in tags])
        return resident


class ServicePointFactory(factory.django.DjangoModelFactory):
    """A canteen of a sub-district (of a community when one is given: the sub-district is then its own)."""

    class Meta:
        model = ServicePoint

    community = None  # 街道直属
    subdistrict = factory.Maybe("community", yes_declaration=factory.SelfAttribute("community.subdistrict"),
                                no_declaration=factory.SubFactory(SubdistrictFactory))
    kind = PointKind.CANTEEN
    name = factory.Sequence(lambda n: f"第{n}老年食堂")  # unique within a sub-district
    address = "和平里一区 3 号楼底商"
    opening_hours = "周一至周日 11:00–13:00"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "Str0ng-pass-2026")
    role = Role.COMMUNITY_STAFF

    @factory.post_generation
    def communities(self, create, extracted, **kwargs):
        if create and extracted:
            self.communities.set(extracted)

    @factory.post_generation
    def grids(self, create, extracted, **kwargs):
        if create and extracted:
            self.grids.set(extracted)
        self.save()

    @factory.post_generation
    def totp(self, create, extracted, **kwargs):
        """Every account has a second factor: an authenticator holding the tests' secret (tests/otp.py), unless
        `totp=False` (an account that has not enrolled yet)."""
        if create and extracted is not False:
            TOTPDevice.objects.create(user=self, name=TOTP_NAME, key=hex_key(TOTP_SECRET), confirmed=True)


# People where they belong, for the factories that need someone to have done something.

def staff_of(community: Community) -> User:
    return UserFactory(role=Role.COMMUNITY_STAFF, first_name="社区工作人员", subdistrict=community.subdistrict,
                       communities=[community])


def grid_worker_of(grid: Grid) -> User:
    return UserFactory(role=Role.GRID_WORKER, first_name="网格员", subdistrict=grid.community.subdistrict,
                       grids=[grid])


def admin_of(subdistrict: Subdistrict) -> User:
    return UserFactory(role=Role.SUBDISTRICT_ADMIN, first_name="街道管理员", subdistrict=subdistrict)


def operator_at(point: ServicePoint) -> User:
    return UserFactory(role=Role.POINT_OPERATOR, first_name="服务点工作人员", subdistrict=point.subdistrict,
                       service_point=point)


# The base: the inbox and export jobs.

class NotificationFactory(factory.django.DjangoModelFactory):
    """A reminder in the inbox of the resident's grid worker: a home visit due today, not yet sent."""

    class Meta:
        model = Notification

    resident = factory.SubFactory(ResidentFactory)
    recipient = factory.LazyAttribute(lambda o: grid_worker_of(o.resident.grid))
    kind = NotificationKind.DUE
    method = "home"
    due_date = factory.LazyFunction(timezone.localdate)
    message = factory.LazyAttribute(lambda o: f"{o.resident.name} 今天应上门探访。")
    key = factory.Sequence(lambda n: f"test:{n}")  # unique, as every job's own keys are


class ExportJobFactory(factory.django.DjangoModelFactory):
    """A resident-list export as the page queues it, before any worker has taken it."""

    class Meta:
        model = ExportJob

    user = factory.SubFactory(UserFactory)
    source = "residents.exports.RESIDENTS"
    name = "居民名册"
    query = "status=all&format=xlsx"
    total = 3
