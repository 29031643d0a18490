"""Reads of the registry that more than one caller shares.

Every lookup by ID number or phone goes through the functions below (the form, the API, search, imports,
check-ins): the numbers are stored encrypted, and found by their keyed indexes (jiedao.crypto).
"""

from collections import defaultdict

from django.db.models import QuerySet
from django.utils import timezone

from jiedao.crypto import all_keys, blind_index, matches, matches_last4
from jiedao.models import AuditAction, AuditEntry, Role, User

from . import id_numbers
from .models import Community, Resident


def filter_by_id_number(queryset: QuerySet, raw: str) -> QuerySet:
    """Residents of `queryset` whose whole ID number is `raw` (normalised first)."""
    return queryset.filter(matches(Resident, "id_number", id_numbers.normalize(raw)))


def id_number_indexes(raws) -> dict[str, str]:
    """keyed index → number, for each of `raws` (normalised) under every key still read: what a batch look-up
    asks, and how its answers are told apart without decrypting them."""
    attname = Resident._meta.get_field("id_number").attname
    numbers = {id_numbers.normalize(raw) for raw in raws} - {""}
    return {blind_index(attname, n, key): n for n in numbers for key in all_keys()}


def filter_by_id_numbers(queryset: QuerySet, raws) -> QuerySet:
    """Residents of `queryset` whose whole ID number is one of `raws` (an import's thousand at a time)."""
    return queryset.filter(id_number_index__in=list(id_number_indexes(raws)))


def filter_by_id_last4(queryset: QuerySet, last4: str) -> QuerySet:
    return queryset.filter(matches_last4(Resident, "id_number", id_numbers.normalize(last4)))


def filter_by_last4(queryset: QuerySet, last4: str) -> QuerySet:
    """Residents whose ID number or phone ends with `last4`. Written as `id IN (one index UNION ALL the
    other)`: as an OR beside the scope's conditions, SQLite (no statistics) walked every active resident
    instead (240 ms for 100,000, against 0.2 ms this way; benchmarks/residents_list.py)."""
    key = id_numbers.normalize(last4)
    by_number = Resident.objects.filter(matches_last4(Resident, "id_number", key)).order_by().values("pk")
    by_phone = Resident.objects.filter(matches_last4(Resident, "phone", key)).order_by().values("pk")
    return queryset.filter(pk__in=by_number.union(by_phone, all=True))


def filter_by_phone(queryset: QuerySet, phone: str) -> QuerySet:
    """Residents whose phone is `phone`, whole (as stored: digits, spaces, + and -)."""
    return queryset.filter(matches(Resident, "phone", phone))


def resident_by_id_number(raw: str, *, queryset: QuerySet | None = None) -> Resident | None:
    base = queryset if queryset is not None else Resident.objects.all()
    return filter_by_id_number(base.select_related("community"), raw).first()


def household_members(household, user) -> QuerySet:
    """The members of a household that `user` may see (a member may have moved out of scope)."""
    return Resident.objects.visible_to(user).filter(household=household).order_by("birth_date")


def resident_history(resident: Resident, limit: int = 50) -> QuerySet:
    """What was done to a resident, newest first (full views are left out: they change nothing)."""
    return (AuditEntry.objects.filter(target_type="resident", target_id=str(resident.pk))
            .exclude(action=AuditAction.VIEW_FULL)[:limit])


def updates_since(resident: Resident, version: int) -> list[AuditEntry]:
    """The saves of `resident` after the version a form was opened with, oldest first (each saved change
    is one update entry in the audit log, with every field's before and after)."""
    missed = max(resident.version - version, 1)
    entries = (AuditEntry.objects.filter(target_type="resident", target_id=str(resident.pk),
                                         action=AuditAction.UPDATE).order_by("-at", "-id")[:missed])
    return list(reversed(list(entries)))


def register_on(queryset: QuerySet, day) -> QuerySet:
    """The register on `day`: today's is the active residents (what the list shows and counts); a
    past day's is the register as it stood at that day's end, so later entries do not rewrite it."""
    return queryset.active() if day >= timezone.localdate() else queryset.registered_on(day)


def community_supervisors(community_ids) -> dict[int, list[int]]:
    """Who hears escalations: the community's staff; where it has none, the sub-district's admins."""
    staff: dict[int, list[int]] = defaultdict(list)
    for user_id, community_id in (User.communities.through.objects.filter(
            community_id__in=set(community_ids), user__role=Role.COMMUNITY_STAFF, user__is_active=True)
            .values_list("user_id", "community_id")):
        staff[community_id].append(user_id)
    orphans = set(community_ids) - set(staff)
    if orphans:
        subdistrict_of = dict(Community.objects.filter(pk__in=orphans).values_list("pk", "subdistrict_id"))
        admins = defaultdict(list)
        for user_id, subdistrict_id in User.objects.filter(
                role=Role.SUBDISTRICT_ADMIN, is_active=True, subdistrict_id__in=set(subdistrict_of.values())
        ).values_list("pk", "subdistrict_id"):
            admins[subdistrict_id].append(user_id)
        for community_id, subdistrict_id in subdistrict_of.items():
            staff[community_id] = admins.get(subdistrict_id, [])
    return staff
