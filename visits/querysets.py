from django.db import models

from jiedao.scope import places_filter

from .choices import HazardStatus


def _resident_scope(user, prefix="resident__"):
    return places_filter(user, subdistrict=f"{prefix}community__subdistrict_id",
                         community=f"{prefix}community_id", grid=f"{prefix}grid_id")


class VisitQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(_resident_scope(user))


class HazardQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(_resident_scope(user))

    def open(self):
        return self.exclude(status=HazardStatus.CLOSED)


class CarePlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(_resident_scope(user))
