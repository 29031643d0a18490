from django.db import models
from django.db.models import Q

from jiedao.models import Role
from jiedao.scope import places_filter


def _point_scope(user, prefix=""):
    """Service points: the registry's scope (a point without a community belongs to the whole
    sub-district), and a point operator's own point."""
    if user and user.is_authenticated and user.role == Role.POINT_OPERATOR:
        return Q(**{f"{prefix}pk": user.service_point_id}) if user.service_point_id else Q(pk__in=[])
    scope = places_filter(user, subdistrict=f"{prefix}subdistrict_id", community=f"{prefix}community_id", grid=None)
    if user and user.is_authenticated and user.role in (Role.COMMUNITY_STAFF, Role.GRID_WORKER):
        # Sub-district-wide points (no community) serve everyone in the sub-district.
        scope |= Q(**{f"{prefix}subdistrict_id": user.subdistrict_id, f"{prefix}community__isnull": True})
    return scope


class ServicePointQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(_point_scope(user))

    def serving_meals(self):
        return self.filter(kind__in=["canteen", "meal_point"], active=True)


class MealQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Meals at the user's points; staff and grid workers see only their own residents' meals there
        (and guests'), not those of residents from elsewhere who ate at a shared point."""
        meals = self.filter(_point_scope(user, prefix="point__"))
        if user and user.is_authenticated and user.role in (Role.COMMUNITY_STAFF, Role.GRID_WORKER):
            meals = meals.filter(places_filter(user, subdistrict="resident__community__subdistrict_id",
                                               community="resident__community_id", grid="resident__grid_id")
                                 | Q(resident__isnull=True))
        return meals
