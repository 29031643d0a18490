"""Service hours: decimals to the quarter hour (the national system's unit), never more than a day's."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from .models import HOURS_CAP

QUARTER = Decimal("0.25")


def checked_hours(value, field: str = "hours") -> Decimal:
    """A number of hours as typed: more than 0, at most HOURS_CAP, in quarter hours (1.5, 0.75)."""
    try:
        hours = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: "服务时长应为数字（小时），如 1.5。"}) from None
    if not hours.is_finite() or hours <= 0:
        raise ValidationError({field: "服务时长须大于 0 小时。"})
    if hours > HOURS_CAP:
        raise ValidationError({field: f"一次服务时长不能超过 {HOURS_CAP} 小时。"})
    if hours % QUARTER:
        raise ValidationError({field: "服务时长以一刻钟（0.25 小时）为单位，如 1.5、0.75。"})
    return hours.quantize(Decimal("0.01"))


def attended_hours(checked_in_at: datetime, checked_out_at: datetime) -> Decimal:
    """From check-in to check-out, rounded to the nearest quarter hour."""
    seconds = Decimal((checked_out_at - checked_in_at).total_seconds())
    quarters = (seconds / 900).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return (quarters * QUARTER).quantize(Decimal("0.01"))
