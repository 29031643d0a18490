"""Reads of volunteers/ that more than one caller shares: a volunteer's hours ledger, and the rules of the month's
figures that the lists they link to filter by."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce

from jiedao.dates import EARLIEST_DAY, LATEST_DAY, day_range

from .choices import RHYTHM_DAYS, HoursSource
from .models import Attendance, HoursEntry, PairingVisit, Volunteer


@dataclass(frozen=True)
class Ledger:
    entries: list[HoursEntry]
    total: Decimal

    def counted(self, entry: HoursEntry) -> bool:
        return entry.pk in self._counted

    @property
    def _counted(self) -> set[int]:
        return counted_ids(self.entries)


def counted_ids(entries: list[HoursEntry]) -> set[int]:
    """The entries a total counts: each original, unless adjusted, when its latest adjustment counts instead (the
    original stays in the ledger, beside the adjustment that corrects it)."""
    latest = {}
    for entry in entries:
        if entry.source == HoursSource.ADJUSTMENT:
            latest[entry.adjusts_id] = entry.pk  # entries come in order: the last one wins
    return {e.pk for e in entries if e.source != HoursSource.ADJUSTMENT and e.pk not in latest} | set(latest.values())


def hours_ledger(volunteer: Volunteer, *, year: int | None = None) -> Ledger:
    """Every entry of a volunteer's hours with where it came from, oldest first, and the total (in one query).
    With `year`, the entries dated that year (an adjustment goes with the year of the line it corrects)."""
    entries = HoursEntry.objects.filter(volunteer=volunteer).select_related("order__service", "activity", "adjusts")
    if year is not None:
        entries = [e for e in entries if (e.adjusts.date if e.adjusts_id else e.date).year == year]
    entries = sorted(entries, key=lambda e: (e.adjusts.date if e.adjusts_id else e.date, e.pk))
    counted = counted_ids(entries)
    return Ledger(entries=entries, total=sum((e.hours for e in entries if e.pk in counted), Decimal("0.00")))


# ---------------------------------------------------------------------------------------------------------
# The month's figures (the dashboard's and the monthly pack's 志愿服务 sheet, reports.selectors._volunteers) and
# the list filters they link to share these rules, so a figure and its list cannot count differently.
# ---------------------------------------------------------------------------------------------------------

def counted_hours(entries):
    """HoursEntry rows a total counts (the SQL form of counted_ids), each with `served_on`: the day of the line
    it stands for (an adjustment goes with the day of the line it corrects)."""
    adjusted = HoursEntry.objects.filter(adjusts=OuterRef("pk"))
    later = HoursEntry.objects.filter(adjusts=OuterRef("adjusts"), pk__gt=OuterRef("pk"))
    counted = ((~Q(source=HoursSource.ADJUSTMENT) & ~Exists(adjusted))
               | (Q(source=HoursSource.ADJUSTMENT) & ~Exists(later)))
    return entries.filter(counted).annotate(served_on=Coalesce("adjusts__date", "date"))


def hours_between(first: date, last: date):
    """The counted hours entries of days first..last (an adjustment to 0 counts nothing: not served)."""
    return counted_hours(HoursEntry.objects.all()).filter(served_on__gte=first, served_on__lte=last, hours__gt=0)


def served_between(first: date | None, last: date | None) -> Q:
    """Volunteers active in days first..last: counted hours dated then, or an attendance checked in then."""
    hours = hours_between(first or EARLIEST_DAY, last or LATEST_DAY).filter(volunteer=OuterRef("pk"))
    start, end = day_range(first or EARLIEST_DAY, last or LATEST_DAY)
    came = Attendance.objects.filter(volunteer=OuterRef("pk"), checked_in_at__gte=start, checked_in_at__lt=end)
    return Q(Exists(hours)) | Q(Exists(came))


def current_on(day: date, prefix: str = "") -> Q:
    """Pairings running on `day`: begun by then, not ended before it."""
    return (Q(**{f"{prefix}started_on__lte": day})
            & (Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": day})))


def kept_rhythm(day: date) -> Q:
    """Pairings visited within their rhythm in `day`'s month, as it stood on `day`: a visit in the month, the last
    one no longer ago than the rhythm's days (每周 7, 每两周 14, 每月 31), so the pairing was not overdue then."""
    first = day.replace(day=1)
    end = day_range(day, day)[1]
    kept = Q()
    for rhythm, days in RHYTHM_DAYS.items():
        since = day_range(max(first, day - timedelta(days=days)), day)[0]
        visited = PairingVisit.objects.filter(pairing=OuterRef("pk"), visited_at__gte=since, visited_at__lt=end)
        kept |= Q(rhythm=rhythm) & Q(Exists(visited))
    return kept


def hours_text(value) -> str:
    """A number of hours as the figures carry it (text, to the hundredth: 12.50), whatever the database summed."""
    return str(Decimal(value or 0).quantize(Decimal("0.01")))


def average_rating(total, rated: int) -> float | None:
    """The mean of `rated` ratings summing to `total`, to one decimal; none rated, no average (not a 0)."""
    return round(total / rated, 1) if rated else None


RHYTHM_NOTE = ("结对走访率 = 当月按期走访的结对 ÷ 月末（本月为今天）进行中的结对。按期走访：当月走访过，"
               "且最近一次走访距月末（本月为今天）不超过其走访频次"
               "（每周一次 7 天、每两周一次 14 天、每月一次 31 天），即当时未逾期。")
