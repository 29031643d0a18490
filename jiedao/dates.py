"""Dates every app counts with: months, local days as index-friendly ranges, ages, `--now`."""

import calendar
import re
from datetime import date, datetime, time, timedelta

from django.utils import timezone

# What every month field says when parse_month refuses its value.
MONTH_ERROR = "月份格式应为 YYYY-MM（2000 年 1 月至本月）。"
NOW_ERROR = "--now 格式应为 2026-11-23T08:05。"
# The days a filter, a form or a query string may name. Outside them is no day of this office's work, and
# their ends are no days at all for a local range: the day after 9999-12-31 does not exist, and 0001-01-01
# at midnight in Asia/Shanghai is still year 0 in UTC.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2100, 12, 31)
DAY_ERROR = f"日期应在 {EARLIEST_DAY:%Y-%m-%d} 至 {LATEST_DAY:%Y-%m-%d} 之间。"
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")


def add_months(day: date, months: int) -> date:
    """The same day `months` later, kept inside shorter months (31 January + 1 month = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_day(day: date) -> date:
    """`day` if it is one a user may name (EARLIEST_DAY to LATEST_DAY), else ValueError(DAY_ERROR)."""
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(DAY_ERROR)
    return day


def parse_day(raw: str | None) -> date | None:
    """`YYYY-MM-DD` from a query string or a form: the day, or None when absent, no date or out of range."""
    try:
        return check_day(date.fromisoformat(raw)) if raw and len(raw) == 10 else None
    except ValueError:
        return None


def day_range(first: date, last: date):
    """[start of `first`, start of the day after `last`) in local time: a range an index can use
    (a `__date` lookup wraps the column in a function and cannot). ValueError(DAY_ERROR) for a day out
    of range, whose range might not exist."""
    check_day(first)
    check_day(last)
    tz = timezone.get_current_timezone()
    return (datetime.combine(first, time.min, tzinfo=tz), datetime.combine(last + timedelta(days=1), time.min,
                                                                            tzinfo=tz))


def parse_month(raw: str | None) -> date | None:
    """`YYYY-MM` → its first day, between 2000 and this month; None when absent or not a month."""
    found = _MONTH.fullmatch(raw or "")  # ASCII digits: int() would read "٢٠٢٦" too
    try:
        chosen = date(int(found[1]), int(found[2]), 1) if found else None
    except ValueError:
        return None
    return chosen if chosen and date(2000, 1, 1) <= chosen <= timezone.localdate() else None


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
