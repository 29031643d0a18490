"""Dates every app counts with: months, local days as index-friendly ranges, ages, `--now`."""

import calendar
from datetime import date, datetime, time, timedelta

from django.utils import timezone

# What every month field says when parse_month refuses its value.
MONTH_ERROR = "月份格式应为 YYYY-MM（2000 年 1 月至本月）。"
NOW_ERROR = "--now 格式应为 2026-11-23T08:05。"


def add_months(day: date, months: int) -> date:
    """The same day `months` later, kept inside shorter months (31 January + 1 month = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def day_range(first: date, last: date):
    """[start of `first`, start of the day after `last`) in local time: a range an index can use
    (a `__date` lookup wraps the column in a function and cannot)."""
    tz = timezone.get_current_timezone()
    return (datetime.combine(first, time.min, tzinfo=tz), datetime.combine(last + timedelta(days=1), time.min,
                                                                            tzinfo=tz))


def parse_month(raw: str | None) -> date | None:
    """`YYYY-MM` → its first day, between 2000 and this month; None when absent or not a month."""
    try:
        year, month = (int(x) for x in (raw or "").split("-"))
        chosen = date(year, month, 1)
    except ValueError:
        return None
    return chosen if date(2000, 1, 1) <= chosen <= timezone.localdate() else None


def month_end(month: date) -> date:
    """The last day of `month`'s month."""
    return add_months(month.replace(day=1), 1) - timedelta(days=1)


def years_before(today: date, years: int) -> date:
    """The same day `years` years earlier (29 February becomes the 28th)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def parse_now(raw: str) -> datetime:
    """A command's `--now 2026-11-23T08:05` (local time when no zone is given); ValueError with NOW_ERROR."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(NOW_ERROR) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
