"""Reads of assistance that span rows."""

from datetime import date

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from jiedao.dates import day_range, month_end
from jiedao.money import fen

from .models import Wish, WishState, WishTransition

LIVE = Q(voided_at__isnull=True)


def disbursement_totals(disbursements) -> dict:
    """What a filtered disbursement queryset paid out (the list's and the case page's summary): the live
    payments' sum and count, and how many voided ones are listed but not counted. One query."""
    found = disbursements.order_by().aggregate(amount=Sum("amount", filter=LIVE), live=Count("id", filter=LIVE),
                                               voided=Count("id", filter=~LIVE))
    return {"amount": fen(found["amount"]), "live": found["live"], "voided": found["voided"]}


def wish_figures(user, month: date | None = None, communities=None) -> dict[int, dict[str, int]]:
    """Per community of the user's scope (community id → state → count), the children's wishes collected by
    the end of `month` (this month when None), in the state each was in at that end: now for the current
    month, from the steps for a past one. One query.

    A child's wish is one collected for a resident under 18 (Wish.for_child, fixed at collection): a wish
    collected for a 17-year-old stays a child's wish after the birthday, so a past month's figure does not
    change as the children grow up. The list's filter `for_child=true` (with `state`, `community`) shows the
    current month's numbers. `communities`: only theirs (ids)."""
    today = timezone.localdate()
    first = (month or today).replace(day=1)
    end = day_range(first, month_end(first))[1]
    wishes = Wish.objects.visible_to(user).filter(for_child=True, created_at__lt=end)
    if communities is not None:
        wishes = wishes.filter(resident__community_id__in=communities)
    if first == today.replace(day=1):
        state = F("state")
    else:
        state = Subquery(WishTransition.objects.filter(wish=OuterRef("pk"), at__lt=end).order_by("-at", "-id")
                         .values("to_state")[:1])
    figures: dict[int, dict[str, int]] = {}
    for community_id, then, n in (wishes.annotate(then=state).values_list("resident__community_id", "then")
                                  .annotate(n=Count("id")).order_by()):
        counts = figures.setdefault(community_id, dict.fromkeys(WishState.values, 0))
        counts[then] = counts.get(then, 0) + n
    return figures
