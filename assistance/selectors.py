"""Reads of assistance that span rows."""

from django.db.models import Sum

from jiedao.money import fen


def disbursement_totals(disbursements) -> dict:
    """The total paid out by a filtered disbursement queryset (the list's summary line)."""
    return {"amount": fen(disbursements.order_by().aggregate(amount=Sum("amount"))["amount"])}
