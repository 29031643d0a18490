"""The demo's visit plans and history (seed_demo calls this after the registry's own seed)."""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from jiedao import bulk
from jiedao.models import Role, User
from residents.models import Resident, ResidentTag, Subdistrict, Tag

from .models import CarePlan, DueDate, Method, Visit
from .schedule import next_due, planned_dates
from .services import default_rules_ensure, due_dates_refill


@transaction.atomic
def seed_visits(*, subdistrict: Subdistrict, days: int = 14, seed: int = 1, now=None, refill: bool = True,
                fresh: bool = False) -> int:
    """Visit plans and a plausible visit history for the demo: default rules, curtain pacts for most
    elders living alone, and visits over the last `days` days with gaps, so that some are overdue.
    `refill=False`: the next-due dates are left to the caller (seed_due_dates, once the visits' indexes are
    built). A second call adds nothing. `fresh`: the caller knows the sub-district has no visits yet (asked
    before a load dropped the table's indexes: during it, asking reads every visit)."""
    if not fresh and Visit.objects.filter(resident__community__subdistrict=subdistrict).exists():
        return 0
    rng = random.Random(seed)
    now = now or timezone.now()
    today = timezone.localdate(now)
    default_rules_ensure(subdistrict=subdistrict, refill=refill)
    rules = {}
    for rule in subdistrict.visit_rules.all():
        rules.setdefault(rule.care_tier, []).append(rule)
    # Who visits whom: the grid's worker, else the community's staff, else the sub-district's admin.
    admins = list(User.objects.filter(subdistrict=subdistrict, role=Role.SUBDISTRICT_ADMIN).order_by("id"))
    by_grid, by_community = {}, {}
    for user in User.objects.filter(subdistrict=subdistrict, role=Role.GRID_WORKER).prefetch_related("grids"):
        for grid in user.grids.all():
            by_grid.setdefault(grid.pk, []).append(user)
    for user in User.objects.filter(subdistrict=subdistrict, role=Role.COMMUNITY_STAFF).prefetch_related(
            "communities"):
        for community in user.communities.all():
            by_community.setdefault(community.pk, []).append(user)
    if not admins:
        return 0
    residents = Resident.objects.filter(community__subdistrict=subdistrict, care_tier__in=list(rules))
    alone = set(ResidentTag.objects.filter(resident__in=residents, tag=Tag.LIVING_ALONE)
                .values_list("resident_id", flat=True))
    CarePlan.objects.bulk_create([CarePlan(resident_id=pk, curtain_pact=True) for pk in sorted(alone)
                                  if rng.random() < 0.7], batch_size=2000)
    zone = timezone.get_current_timezone()

    def visitor(grid, community):
        return rng.choice(by_grid.get(grid) or by_community.get(community) or admins).pk

    def history(chunk):
        for pk, tier, grid, community in chunk:
            diligence = rng.random()  # some residents' workers fall behind: that is what the demo must show
            for rule in rules[tier]:
                day = today - timedelta(days=rng.randint(days // 2, days))
                first = True
                while day < today:
                    if first or rng.random() < 0.6 + 0.4 * diligence:  # everyone was seen at least once
                        first = False
                        at = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=zone)
                        yield pk, rule.method, at, visitor(grid, community), rng.random() > 0.03
                    day = next_due(day, rule.frequency, rule.every_n_days, today)
            if pk in alone:
                for back in range(1, days):
                    if rng.random() < 0.9:
                        at = datetime.combine(today - timedelta(days=back), time(7, rng.randint(0, 59)), tzinfo=zone)
                        yield pk, Method.CURTAIN_SIGN, at, visitor(grid, community), True

    # Streamed, a few thousand residents at a time: a district's tiered residents have a million visits.
    loader = bulk.Loader(Visit, ["resident_id", "method", "visited_at", "visitor_id", "ok"])
    with bulk.rebuilt_indexes(Visit, adding=residents.count() * 3):
        for chunk in bulk.in_chunks(residents, "pk", "care_tier", "grid_id", "community_id"):
            loader.write(history(chunk))
    if refill:
        due_dates_refill(residents=Resident.objects.filter(community__subdistrict=subdistrict))  # no post_save
    return loader.written


def seed_due_dates(*, subdistricts: list[Subdistrict]) -> int:
    """The next-due dates of the residents of `subdistricts`, whose visits seed_visits(refill=False) wrote: once
    each, with the visits' indexes there (a refill inside the load read the whole unindexed visits table, twice
    a sub-district). A sub-district with none stored yet has them written by COPY (jiedao.bulk), what
    due_dates_refill stores but without its upsert and its sweep of the dates no longer planned (a second of
    each sub-district's 100,000); one with dates is refilled. Returns the rows stored."""
    loader = bulk.Loader(DueDate, ["resident_id", "rule_id", "community_id", "method", "last_visit", "due_date",
                                   "since"])
    stored = 0
    for subdistrict in subdistricts:
        residents = Resident.objects.filter(community__subdistrict=subdistrict)
        if DueDate.objects.filter(community__subdistrict=subdistrict).exists():
            stored += due_dates_refill(residents=residents)
            continue
        stored += loader.write([(row.resident_id, row.rule_id, row.community_id, row.method, row.last_visit,
                                 row.due_date, row.since) for row in planned_dates(residents)])
    return stored
