"""Who sees which volunteers, teams and their records: the one place (jiedao.scope gives the places and the
roles). A team leader sees their own teams (those they lead) and what hangs off them; places_filter gives a
team leader nothing of the registry."""

from django.db import models
from django.db.models import Q

from jiedao.scope import NOTHING, is_team_leader, places_filter, reads_volunteers


def led_team_ids(user) -> list[int]:
    """The teams `user` leads (through their volunteer record), cached on the account for one request."""
    if not hasattr(user, "_led_team_ids"):
        from .models import Team

        user._led_team_ids = list(Team.objects.filter(leader__account=user).values_list("id", flat=True))
    return user._led_team_ids


def team_scope(user, prefix: str = "") -> Q:
    """The Q of the teams `user` sees, from a model whose team is at `prefix` ("" for Team itself): in their
    places, a community's teams and the whole sub-district's; a team leader, the teams they lead."""
    if not reads_volunteers(user) or not getattr(user, "is_active", False):
        return NOTHING
    if is_team_leader(user):
        return Q(**{f"{prefix}id__in" if prefix else "id__in": led_team_ids(user)})
    in_places = places_filter(user, subdistrict=f"{prefix}subdistrict_id", community=f"{prefix}community_id",
                              grid=None)
    if not in_places:
        return in_places  # everywhere (the district bureau): an empty Q ORed would keep only the other side
    return in_places | (places_filter(user, subdistrict=f"{prefix}subdistrict_id", community=None, grid=None)
                        & Q(**{f"{prefix}community__isnull": True}))


class VolunteerQuerySet(models.QuerySet):
    def visible_to(self, user):
        if is_team_leader(user) and user.is_active:
            from .models import TeamMembership

            current = TeamMembership.objects.filter(team_id__in=led_team_ids(user), left_on__isnull=True)
            return self.filter(Q(pk__in=current.values("volunteer_id")) | Q(account=user))
        if not reads_volunteers(user):
            return self.none()
        return self.filter(places_filter(user, subdistrict="subdistrict_id", community="community_id", grid=None))

    def active(self):
        from .choices import VolunteerStatus

        return self.filter(status=VolunteerStatus.ACTIVE)


class TeamQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(team_scope(user))


class MembershipQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(team_scope(user, "team__"))

    def current(self):
        return self.filter(left_on__isnull=True)


class ServiceKindQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The sub-district's list: every reader of volunteers there (the district bureau: all)."""
        if not reads_volunteers(user) or not user.is_active:
            return self.none()
        return self.filter(places_filter(user, subdistrict="subdistrict_id", community=None, grid=None)
                           if not is_team_leader(user) else Q(subdistrict_id=user.subdistrict_id))


class ServiceOrderQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Orders of the residents in the user's places; a team leader's, those dispatched to their teams."""
        if is_team_leader(user) and user.is_active:
            return self.filter(team_id__in=led_team_ids(user))
        return self.filter(places_filter(user, subdistrict="resident__community__subdistrict_id",
                                         community="resident__community_id", grid="resident__grid_id"))


class HoursQuerySet(models.QuerySet):
    def visible_to(self, user):
        from .models import Volunteer

        return self.filter(volunteer__in=Volunteer.objects.visible_to(user))


class ActivityQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(team_scope(user, "team__"))


class PairingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Pairings of the residents in the user's places; a team leader's, those of their teams' members (the
        resident of a pairing is what it needs of the registry, while it lasts)."""
        if is_team_leader(user) and user.is_active:
            from .models import TeamMembership

            members = TeamMembership.objects.filter(team_id__in=led_team_ids(user), left_on__isnull=True)
            return self.filter(volunteer_id__in=members.values("volunteer_id"), ended_on__isnull=True)
        return self.filter(places_filter(user, subdistrict="resident__community__subdistrict_id",
                                         community="resident__community_id", grid="resident__grid_id"))

    def current(self):
        return self.filter(ended_on__isnull=True)
