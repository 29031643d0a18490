"""Factories of volunteers: volunteers (saved as the services store them, their numbers' indexes filled), teams
and memberships."""

from datetime import date

import factory

from residents import id_numbers
from tests.factories import CommunityFactory
from volunteers.models import Team, TeamMembership, Volunteer


class VolunteerFactory(factory.django.DjangoModelFactory):
    """A volunteer of a community, who lives elsewhere (no resident record), not a party member."""

    class Meta:
        model = Volunteer

    class Params:
        birth = date(1980, 6, 1)

    community = factory.SubFactory(CommunityFactory)
    subdistrict = factory.SelfAttribute("community.subdistrict")
    name = factory.Sequence(lambda n: f"志愿者{'甲乙丙丁戊己庚辛壬癸'[n % 10]}")
    phone = factory.Sequence(lambda n: f"1370000{n % 10000:04d}")
    skills = "陪诊、代购"

    @factory.lazy_attribute_sequence
    def id_number(self, n):
        return id_numbers.make("110108", self.birth, (2 * n) % 1000, female=False)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    community = factory.SubFactory(CommunityFactory)
    subdistrict = factory.SelfAttribute("community.subdistrict")
    name = factory.Sequence(lambda n: f"第{n}服务队")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    volunteer = factory.SubFactory(VolunteerFactory, community=factory.SelfAttribute("..team.community"))
    joined_on = date(2026, 1, 5)
