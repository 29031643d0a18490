from datetime import date

from django.db import models
from django.db.models import Prefetch

from jiedao.scope import places_filter


class SubdistrictQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(places_filter(user, subdistrict="id", community=None, grid=None))


class CommunityQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(places_filter(user, subdistrict="subdistrict_id", community="id", grid=None))


class GridQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(
            places_filter(user, subdistrict="community__subdistrict_id", community="community_id", grid="id"))


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(
            places_filter(user, subdistrict="grid__community__subdistrict_id", community="grid__community_id",
                          grid="grid_id"))


class ResidentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(
            places_filter(user, subdistrict="community__subdistrict_id", community="community_id", grid="grid_id"))

    def active(self):
        return self.filter(status="active")

    def registered_on(self, day: date):
        """The register as it stood at the end of `day`: registered by then, and not moved out or
        deceased by then (the archive date is the day it happened, which may be before it was entered)."""
        from django.db.models import Q

        from jiedao.filters import day_range

        return self.filter(Q(status="active") | Q(status_date__gt=day), created_at__lt=day_range(day, day)[1])

    def born_between(self, earliest: date | None, latest: date | None):
        qs = self
        if earliest:
            qs = qs.filter(birth_date__gte=earliest)
        if latest:
            qs = qs.filter(birth_date__lte=latest)
        return qs

    def with_tags(self, codes):
        """Residents that carry every tag in `codes` (one indexed semi-join per tag)."""
        from .models import ResidentTag

        qs = self
        for code in codes:
            qs = qs.filter(id__in=ResidentTag.objects.filter(tag=code).values("resident_id"))
        return qs

    def with_related(self):
        """What a list row shows: place names and tags, in a fixed number of queries."""
        from .models import ResidentTag

        return self.select_related("grid", "community").prefetch_related(
            Prefetch("tag_links", queryset=ResidentTag.objects.only("resident_id", "tag"))
        )
