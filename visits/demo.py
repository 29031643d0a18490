"""The demo's visit plans and history (seed_demo calls this after the registry's own seed)."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from jiedao.models import Role, User
from residents.models import Resident, ResidentTag, Subdistrict, Tag

from .models import CarePlan, Method, Visit
from .schedule import next_due
from .services import default_rules_ensure


def seed_visits(*, subdistrict: Subdistrict, days: int = 14, seed: int = 1, now=None) -> int:
    """Visit plans and a plausible visit history for the demo: default rules, curtain pacts for most
    elders living alone, and visits over the last `days` days with gaps, so that some are overdue.
    A second call adds nothing."""
    if Visit.objects.filter(resident__community__subdistrict=subdistrict).exists():
        return 0
    rng = random.Random(seed)
    now = now or timezone.now()
    today = timezone.localdate(now)
    default_rules_ensure(subdistrict=subdistrict)
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
    places = {pk: (grid, community) for pk, grid, community in residents.values_list("pk", "grid_id", "community_id")}

    def visitor(pk):
        grid, community = places[pk]
        return rng.choice(by_grid.get(grid) or by_community.get(community) or admins)
    alone = set(ResidentTag.objects.filter(resident__in=residents, tag=Tag.LIVING_ALONE)
                .values_list("resident_id", flat=True))
    CarePlan.objects.bulk_create([CarePlan(resident_id=pk, curtain_pact=True) for pk in alone if rng.random() < 0.7])
    visits = []
    for pk, tier in residents.values_list("pk", "care_tier"):
        diligence = rng.random()  # some residents' workers fall behind: that is what the demo must show
        for rule in rules[tier]:
            day = today - timedelta(days=rng.randint(days // 2, days))
            first = True
            while day < today:
                if first or rng.random() < 0.6 + 0.4 * diligence:  # everyone was seen at least once
                    first = False
                    at = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)),
                                          tzinfo=timezone.get_current_timezone())
                    visits.append(Visit(resident_id=pk, method=rule.method, visited_at=at, visitor=visitor(pk),
                                        ok=rng.random() > 0.03))
                day = next_due(day, rule.frequency, rule.every_n_days, today)
    for pk in alone & set(places):
        for back in range(1, days):
            if rng.random() < 0.9:
                at = datetime.combine(today - timedelta(days=back), time(7, rng.randint(0, 59)),
                                      tzinfo=timezone.get_current_timezone())
                visits.append(Visit(resident_id=pk, method=Method.CURTAIN_SIGN, visited_at=at,
                                    visitor=visitor(pk)))
    Visit.objects.bulk_create(visits, batch_size=2000)
    return len(visits)
