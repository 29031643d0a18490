"""Reads of the registry that more than one caller shares.

Every lookup by ID number goes through the two functions below (the form, the API, search, imports,
check-ins), so that storing the number encrypted with a keyed index later changes only this file.
"""

from django.db.models import QuerySet

from . import id_numbers
from .models import Resident


def filter_by_id_number(queryset: QuerySet, raw: str) -> QuerySet:
    """Residents of `queryset` whose whole ID number is `raw` (normalised first)."""
    return queryset.filter(id_number=id_numbers.normalize(raw))


def filter_by_id_last4(queryset: QuerySet, last4: str) -> QuerySet:
    return queryset.filter(id_last4=id_numbers.normalize(last4))


def resident_by_id_number(raw: str, *, queryset: QuerySet | None = None) -> Resident | None:
    base = queryset if queryset is not None else Resident.objects.all()
    return filter_by_id_number(base.select_related("community"), raw).first()


def household_members(household) -> QuerySet:
    return household.members.order_by("birth_date").select_related("grid", "community")
