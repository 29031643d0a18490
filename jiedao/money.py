"""Money as every page, export and report shows it."""

from decimal import Decimal


def fen(value) -> Decimal:
    """A sum of money as the database gave it, to the fen: SQLite sums decimals as floats, and an empty
    sum is None. Every money total shown or exported goes through here."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))
