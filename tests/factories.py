from datetime import date

import factory

from jiedao.models import Role, User
from residents import id_numbers
from residents.models import Community, Grid, Household, Resident, ResidentTag, Subdistrict
from residents.services import set_derived_fields


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
