import re

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils import timezone

from jiedao import audit
from jiedao.crypto import matches, matches_last4
from jiedao.filters import CSVChoiceFilter, DayFilter, LocalDayFilter, scoped_choices
from jiedao.models import AuditAction
from jiedao.text import is_phone, phone_number
from residents import id_numbers
from residents.filters import community_filter, subdistrict_filter
from residents.models import Resident, Subdistrict

from .choices import OrderState, VolunteerStatus
from .models import Activity, Pairing, ServiceKind, ServiceOrder, Team, TeamMembership, Volunteer
from .querysets import led_team_ids
from .selectors import current_on, kept_rhythm, served_between

# Volunteers and teams of the whole sub-district have no community: `community=none` lists them (the month's
# figures have a row of their own for them).
UNPLACED = "none"
UNPLACED_LABEL = "街道（不分社区）"


def _community(label: str, path: str = "", *, unplaced: bool = False):
    extra = {"null_label": UNPLACED_LABEL, "null_value": UNPLACED} if unplaced else {}
    return community_filter(path, label, **extra)


def _between(form, start: str, end: str):
    data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    return data.get(start), data.get(end)


_ID_NUMBER = re.compile(r"\d{17}[\dX]")
_LAST4 = re.compile(r"\d{3}[\dX]")


class VolunteerFilterSet(django_filters.FilterSet):
    """The volunteer list: the page, /api/v1/volunteers/ and the export. Numbers are searched as the registry
    searches them: a whole ID number or phone, or the last four, never a prefix."""

    name = django_filters.CharFilter(label="姓名", lookup_expr="contains", max_length=50)
    id_number = django_filters.CharFilter(label="身份证号", method="filter_id_number", max_length=30,
                                          help_text="完整号码或后四位")
    phone = django_filters.CharFilter(label="电话", method="filter_phone", max_length=20, help_text="完整号码或后四位")
    subdistrict = django_filters.ModelChoiceFilter(label="街道", queryset=scoped_choices(Subdistrict),
                                                   widget=forms.HiddenInput)
    community = _community("社区", unplaced=True)
    skills = django_filters.CharFilter(label="特长", lookup_expr="contains", max_length=20)
    party_member = django_filters.BooleanFilter(label="在职党员")
    resident = django_filters.BooleanFilter(label="本辖区居民", field_name="resident", lookup_expr="isnull",
                                            exclude=True)
    status = django_filters.ChoiceFilter(label="状态", choices=VolunteerStatus.choices)
    team = django_filters.ModelChoiceFilter(label="服务队", field_name="memberships__team",
                                            queryset=scoped_choices(Team), method="filter_team")
    registered_to = LocalDayFilter(label="登记日期止", field_name="created_at", until=True)
    # Active in a period (the sheet's 当月活跃): counted hours dated then, or an attendance then. The two ends
    # are read together (filter_queryset); the list then sums the period's hours of the volunteers it shows.
    served_from = DayFilter(label="服务日期起", method="filter_served", widget=forms.DateInput(attrs={"type": "date"}))
    served_to = DayFilter(label="服务日期止", method="filter_served", widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Volunteer
        fields = []

    def filter_served(self, queryset, name, value):
        return queryset  # both ends at once, in filter_queryset

    def served(self):
        """The period asked for (first, last), either end None, or None when neither was."""
        first, last = _between(self.form, "served_from", "served_to")
        return (first, last) if first or last else None

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        period = self.served()
        return queryset.filter(served_between(*period)) if period else queryset

    def filter_id_number(self, queryset, name, value):
        key = id_numbers.normalize(value)
        if not key:
            return queryset
        if _ID_NUMBER.fullmatch(key):
            audit.record(actor=getattr(self.request, "user", None), action=AuditAction.SEARCH,
                         changes={"search": id_numbers.mask(key), "list": "志愿者"})
            return queryset.filter(matches(Volunteer, "id_number", key))
        if _LAST4.fullmatch(key):
            return queryset.filter(matches_last4(Volunteer, "id_number", key))
        return queryset.none()  # a prefix would read a masked number digit by digit

    def filter_phone(self, queryset, name, value):
        key = phone_number(value.strip())  # the one phone rule's form, as the phone was stored
        if not key:
            return queryset
        if len(key) == 4 and key.isascii() and key.isdigit():
            return queryset.filter(matches_last4(Volunteer, "phone", key))
        if is_phone(key):
            return queryset.filter(matches(Volunteer, "phone", key))
        return queryset.none()

    def filter_team(self, queryset, name, value):
        members = TeamMembership.objects.filter(team=value, left_on__isnull=True).values("volunteer_id")
        return queryset.filter(pk__in=members)


class TeamFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(label="队名", lookup_expr="contains", max_length=60)
    subdistrict = django_filters.ModelChoiceFilter(label="街道", queryset=scoped_choices(Subdistrict),
                                                   widget=forms.HiddenInput)
    community = _community("服务社区", unplaced=True)
    active = django_filters.BooleanFilter(label="在服务")
    mine = django_filters.BooleanFilter(label="我带领的队伍", method="filter_mine")

    class Meta:
        model = Team
        fields = []

    def filter_mine(self, queryset, name, value):
        if value is None:
            return queryset
        user = getattr(self.request, "user", None)
        mine = Q(pk__in=led_team_ids(user)) if user is not None and user.is_authenticated else Q(pk__in=[])
        return queryset.filter(mine) if value else queryset.exclude(mine)


class ServiceKindFilterSet(django_filters.FilterSet):
    active = django_filters.BooleanFilter(label="可点单")

    class Meta:
        model = ServiceKind
        fields = []


class ServiceOrderFilterSet(django_filters.FilterSet):
    """The order list: the page, /api/v1/service-orders/ and the export (and the dashboard's figures)."""

    state = CSVChoiceFilter(label="状态", choices=[c for c in OrderState.choices if c[0] != OrderState.DECLINED],
                            lookup_expr="in")
    service = django_filters.ModelChoiceFilter(label="服务项目", queryset=scoped_choices(ServiceKind))
    team = django_filters.ModelChoiceFilter(label="服务队", queryset=scoped_choices(Team))
    subdistrict = subdistrict_filter("resident")
    # `none` too, so that the sheet's 街道（不分社区） row opens it (a resident always has a community: no rows).
    community = _community("社区", "resident", unplaced=True)
    created_from = LocalDayFilter(label="点单日期起", field_name="created_at")
    created_to = LocalDayFilter(label="点单日期止", field_name="created_at", until=True)
    done_from = LocalDayFilter(label="完成日期起", field_name="done_at")
    done_to = LocalDayFilter(label="完成日期止", field_name="done_at", until=True)
    on_time = django_filters.BooleanFilter(label="按期完成", method="filter_on_time")
    rated_from = LocalDayFilter(label="评价日期起", field_name="rated_at")
    rated_to = LocalDayFilter(label="评价日期止", field_name="rated_at", until=True)
    overdue = django_filters.BooleanFilter(label="逾期", method="filter_overdue")

    class Meta:
        model = ServiceOrder
        fields = []

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = Q(state=OrderState.ACCEPTED, deadline__lt=timezone.now()) | Q(
            state=OrderState.DISPATCHED, deadline__lt=timezone.now())
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_on_time(self, queryset, name, value):
        """Done by its deadline (ServiceOrder.on_time): yes, or done late; an order not done is neither."""
        if value is None:
            return queryset
        done = queryset.filter(done_at__isnull=False, deadline__isnull=False)
        return done.filter(done_at__lte=F("deadline")) if value else done.filter(done_at__gt=F("deadline"))


class ActivityFilterSet(django_filters.FilterSet):
    team = django_filters.ModelChoiceFilter(label="服务队", queryset=scoped_choices(Team))
    subdistrict = django_filters.ModelChoiceFilter(label="街道", field_name="team__subdistrict",
                                                   queryset=scoped_choices(Subdistrict), widget=forms.HiddenInput)
    community = _community("服务社区", "team", unplaced=True)
    starts_from = LocalDayFilter(label="活动日期起", field_name="starts_at")
    starts_to = LocalDayFilter(label="活动日期止", field_name="starts_at", until=True)

    class Meta:
        model = Activity
        fields = []


class PairingFilterSet(django_filters.FilterSet):
    # The bureau's subtotal of a sub-district opens this list (hidden: the other roles have one).
    subdistrict = subdistrict_filter("resident")
    community = _community("社区", "resident", unplaced=True)
    volunteer = django_filters.ModelChoiceFilter(label="志愿者", queryset=scoped_choices(Volunteer),
                                                 widget=forms.NumberInput)
    current = django_filters.BooleanFilter(label="进行中", field_name="ended_on", lookup_expr="isnull")
    # The resident's own pairings, opened from their page (a hidden filter: one number is no search).
    resident = django_filters.ModelChoiceFilter(label="居民", queryset=scoped_choices(Resident),
                                                widget=forms.HiddenInput)
    current_on = DayFilter(label="某日进行中", method="filter_current_on",
                           widget=forms.DateInput(attrs={"type": "date"}))
    kept_on = DayFilter(label="按期走访（截至该日）", method="filter_kept_on",
                        widget=forms.DateInput(attrs={"type": "date"}), help_text="该日所在月份走访过，且该日未逾期")

    class Meta:
        model = Pairing
        fields = []

    def filter_current_on(self, queryset, name, value):
        return queryset.filter(current_on(value)) if value else queryset

    def filter_kept_on(self, queryset, name, value):
        return queryset.filter(kept_rhythm(value)) if value else queryset
