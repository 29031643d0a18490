"""Reads of assistance that span rows."""

from django.db.models import Count, Q, Sum

from jiedao.money import fen

LIVE = Q(voided_at__isnull=True)


def disbursement_totals(disbursements) -> dict:
    """What a filtered disbursement queryset paid out (the list's and the case page's summary): the live
    payments' sum and count, and how many voided ones are listed but not counted. One query."""
    found = disbursements.order_by().aggregate(amount=Sum("amount", filter=LIVE), live=Count("id", filter=LIVE),
                                               voided=Count("id", filter=~LIVE))
    return {"amount": fen(found["amount"]), "live": found["live"], "voided": found["voided"]}
