from django.db import models
from django.db.models import Q

from jiedao.scope import places_filter, works_in_places
from residents.querysets import point_scope


class MealQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Meals at the user's points; staff and grid workers see only their own residents' meals there
        (and guests'), not those of residents from elsewhere who ate at a shared point."""
        meals = self.filter(point_scope(user, prefix="point__"))
        if works_in_places(user):
            meals = meals.filter(places_filter(user, subdistrict="resident__community__subdistrict_id",
                                               community="resident__community_id", grid="resident__grid_id")
                                 | Q(resident__isnull=True))
        return meals


def _resident_scope(user, prefix: str):
    return places_filter(user, subdistrict=f"{prefix}community__subdistrict_id", community=f"{prefix}community_id",
                         grid=f"{prefix}grid_id")


class CareEnrolmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Enrolments of the residents in the user's scope."""
        return self.filter(_resident_scope(user, "resident__"))


class ServiceLogQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(_resident_scope(user, "enrolment__resident__"))


class MealDeliveryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Deliveries from the user's points; staff and grid workers see only their own residents' there
        (as with meals)."""
        deliveries = self.filter(point_scope(user, prefix="point__"))
        if works_in_places(user):
            deliveries = deliveries.filter(_resident_scope(user, "enrolment__resident__"))
        return deliveries
