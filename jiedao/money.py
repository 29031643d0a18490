"""Money as every page, export and report shows it."""

from decimal import Decimal, InvalidOperation


def fen(value) -> Decimal:
    """A sum of money as the database gave it, to the fen: SQLite sums decimals as floats, and an empty
    sum is None. Every money total shown or exported goes through here."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def yuan(value) -> str:
    """An amount as people read it: thousands grouped, two decimals ("3,000.00"); "—" for none. Pages
    (the `money` template filter adds " 元") and messages that name an amount use it."""
    if value is None or value == "":
        return "—"
    try:
        return f"{fen(value):,.2f}"
    except (InvalidOperation, ValueError, TypeError):
        return str(value)
