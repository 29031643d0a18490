"""Scope of the child programmes: decided by the programme's service point (residents.querysets.point_scope).

Staff see the programmes at the points of their communities and the sub-district's own points, the
sub-district and the district see theirs, a point operator (a 亲子小屋's) sees its own point's programmes and
the children enrolled there, by name only (the pages and the API show an operator no ID number, phone or
address: see child_services.privacy). Auditors and security admins see nothing (point_scope gives them none).
"""

from django.db import models

from jiedao.scope import places_filter
from residents.querysets import point_scope

from .choices import EnrolmentStatus


class ProgrammeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(point_scope(user, prefix="point__"))


class SessionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(point_scope(user, prefix="programme__point__"))


class EnrolmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(point_scope(user, prefix="programme__point__"))

    def live(self):
        """Enrolled or waiting: what holds a place or a position."""
        return self.exclude(status=EnrolmentStatus.WITHDRAWN)


class AttendanceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(point_scope(user, prefix="session__programme__point__"))


def with_counts(queryset):
    """Programmes with how many are enrolled and waiting (two counts in the list's one query)."""
    live = ~models.Q(enrolments__status=EnrolmentStatus.WITHDRAWN)
    return queryset.annotate(
        enrolled=models.Count("enrolments", filter=live & models.Q(enrolments__status=EnrolmentStatus.ENROLLED)),
        waiting=models.Count("enrolments", filter=live & models.Q(enrolments__status=EnrolmentStatus.WAITLISTED)),
    ).order_by(*queryset.model._meta.ordering)  # GROUP BY drops the model's default order


class NutritionPlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A child's plan is seen by those whose scope holds the child (PIPL: no one else; a point operator
        sees none)."""
        return self.filter(places_filter(user, subdistrict="child__community__subdistrict_id",
                                         community="child__community_id", grid="child__grid_id"))

    def active(self):
        return self.filter(active=True)


class NutritionDeliveryQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(places_filter(user, subdistrict="plan__child__community__subdistrict_id",
                                         community="plan__child__community_id", grid="plan__child__grid_id"))
