import re

import django_filters
from django import forms
from django.db import connections
from django.db.models import F, Func, Q, TextField, Value
from django.utils import timezone
from django_filters.fields import ModelChoiceField, ModelChoiceIterator

from jiedao import audit
from jiedao.dates import years_before
from jiedao.filters import CSVChoiceFilter, IntegerFilter, OrderingFilter, scoped_choices
from jiedao.models import AuditAction
from jiedao.scope import sees_full_numbers
from jiedao.text import is_phone, phone_number

from . import id_numbers, selectors
from .id_numbers import AGE_BAND_YEARS
from .models import (
    CareTier,
    Community,
    Gender,
    Grid,
    Household,
    PointKind,
    ResidenceType,
    Resident,
    ServicePoint,
    Status,
    Subdistrict,
    Tag,
)

ALL_STATUSES = "all"
_ID_NUMBER = re.compile(r"\d{17}[\dX]")
_ID_LAST4 = re.compile(r"\d{3}[\dX]")


AGE_BAND_MESSAGE = (f"请按 {AGE_BAND_YEARS} 岁分段筛选年龄：最小年龄为 {AGE_BAND_YEARS} 的倍数（如 60、80），"
                    f"最大年龄为 {AGE_BAND_YEARS} 的倍数减一（如 64、79）。")



# The places of a row reached through `path` (its resident's, its child's community), as every feature's list
# filters them: the sub-district hidden (a district figure's subtotal row links with ?subdistrict=), the
# community and the grid as selects of the reader's own places.
def _through(path: str, field: str) -> str:
    """The lookup of `field` from the row, reached through `path` (none for the row's own field)."""
    return f"{path}__{field}" if path else field


def subdistrict_filter(path: str, label: str = "街道"):
    return django_filters.ModelChoiceFilter(label=label, field_name=_through(path, "community__subdistrict"),
                                            queryset=scoped_choices(Subdistrict), widget=forms.HiddenInput)


class _PlaceChoices(ModelChoiceIterator):
    """A place select's options from (id, names) rows, labelled as the model labels itself: the district
    officer's grid select has 800 options, and making each a grid and its community (two model instances)
    was a third of the resident list page's time (1M residents, issue 17). Choosing one still reads it through
    the scoped queryset."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for pk, *names in self.queryset.values_list("pk", *self.field.label_fields):
            yield (pk, self.field.label_of(*names))


class _PlaceChoiceField(ModelChoiceField):
    iterator = _PlaceChoices

    def __init__(self, *args, label_fields: tuple[str, ...], label_of, **kwargs):
        self.label_fields, self.label_of = label_fields, label_of
        super().__init__(*args, **kwargs)


class _PlaceFilter(django_filters.ModelChoiceFilter):
    field_class = _PlaceChoiceField


def community_filter(path: str = "", label: str = "社区", **extra):
    return _PlaceFilter(label=label, field_name=_through(path, "community"), queryset=scoped_choices(Community),
                        label_fields=("name",), label_of=str, **extra)


def grid_filter(path: str = "", label: str = "网格"):
    return _PlaceFilter(label=label, field_name=_through(path, "grid"), queryset=scoped_choices(Grid),
                        label_fields=("community__name", "name"), label_of=Grid.label_of)


class ResidentFilterForm(forms.Form):
    # Set by the FilterSet for a reader who sees age bands, not birth dates: an exact age would narrow each
    # row's masked number below what the band leaves.
    banded_ages = False

    def clean(self):
        data = super().clean()
        low, high = data.get("age_min"), data.get("age_max")
        if low is not None and high is not None and low > high:
            self.add_error("age_max", "最大年龄不能小于最小年龄。")
        if self.banded_ages:
            if low is not None and low % AGE_BAND_YEARS:
                self.add_error("age_min", AGE_BAND_MESSAGE)
            if high is not None and (high + 1) % AGE_BAND_YEARS:
                self.add_error("age_max", AGE_BAND_MESSAGE)
        return data


class ResidentFilterSet(django_filters.FilterSet):
    """The resident list's filters, shared by the page, /api/v1/residents/ and the export.

    With no `status`, only active residents are listed (`status=all` lists everyone).
    """

    search = django_filters.CharFilter(label="搜索", method="filter_search", max_length=50,
                                       help_text="姓名、拼音、首字母；身份证号或电话：完整号码或后四位")
    # The district bureau's figures per sub-district link here (a sub-district's subtotal row).
    subdistrict = django_filters.ModelChoiceFilter(label="街道", field_name="community__subdistrict",
                                                   method="filter_subdistrict",
                                                   queryset=scoped_choices(Subdistrict), widget=forms.HiddenInput)
    community = community_filter()
    grid = grid_filter()
    household = django_filters.ModelChoiceFilter(label="户", queryset=scoped_choices(Household),
                                                 widget=forms.HiddenInput)
    tags = CSVChoiceFilter(label="特殊群体（同时具备）", choices=Tag.choices, method="filter_tags")
    age_min = IntegerFilter(label="最小年龄", method="filter_age_min", min_value=0, max_value=130)
    age_max = IntegerFilter(label="最大年龄", method="filter_age_max", min_value=0, max_value=130)
    gender = django_filters.ChoiceFilter(label="性别", choices=Gender.choices)
    care_tier = django_filters.ChoiceFilter(label="关爱等级", choices=CareTier.choices)
    residence_type = django_filters.ChoiceFilter(label="居住类型", choices=ResidenceType.choices)
    status = django_filters.ChoiceFilter(
        label="状态", choices=[*Status.choices, (ALL_STATUSES, "全部")], method="filter_status", empty_label=None)
    ordering = OrderingFilter(
        label="排序",
        fields=(("name_pinyin", "name"), ("birth_date", "birth_date"), ("updated_at", "updated_at"),
                ("grid__name", "grid")),
        field_labels={"name_pinyin": "姓名", "birth_date": "出生日期", "updated_at": "修改时间",
                      "grid__name": "网格"},
    )

    class Meta:
        model = Resident
        fields = []
        form = ResidentFilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not sees_full_numbers(getattr(self.request, "user", None)):
            # The order of a list would give back the birth dates its rows leave out: only those who see
            # them (on the detail) may sort by them.
            ordering = self.filters["ordering"]
            ordering.extra["choices"] = [c for c in ordering.extra["choices"] if "birth_date" not in c[0]]
            if hasattr(ordering, "_field"):  # built already (the schema reads the class's): build it anew
                del ordering._field

    @property
    def form(self):
        form = super().form
        form.banded_ages = not sees_full_numbers(getattr(self.request, "user", None))
        return form

    @property
    def qs(self):
        qs = super().qs
        # The default status applies even when the form sent nothing for it.
        if not self.form.is_bound or not self.form.cleaned_data.get("status"):
            qs = qs.filter(status=Status.ACTIVE)
        return qs

    def filter_subdistrict(self, queryset, name, value):
        # By the row's own community_id (a subquery of the sub-district's ~20 communities), not a join to the
        # communities: PostgreSQL then counts from an index (jiedao.scope.places_filter says the same).
        return queryset.filter(community__in=value.communities.values("id"))

    def filter_status(self, queryset, name, value):
        return queryset if value == ALL_STATUSES else queryset.filter(status=value)

    def filter_tags(self, queryset, name, value):
        return queryset.with_tags(value)

    def filter_age_min(self, queryset, name, value):
        return queryset.filter(birth_date__lte=years_before(timezone.localdate(), value))

    def filter_age_max(self, queryset, name, value):
        return queryset.filter(birth_date__gt=years_before(timezone.localdate(), value + 1))

    def filter_search(self, queryset, name, value):
        term = value.strip()
        key = id_numbers.normalize(term)
        if not term:
            return queryset
        if _ID_NUMBER.fullmatch(key):
            # A look-up by a whole ID number is in the audit log (masked, as every number there).
            audit.record(actor=getattr(self.request, "user", None), action=AuditAction.SEARCH,
                         changes={"search": id_numbers.mask(key)})
            return selectors.filter_by_id_number(queryset, key)
        if _ID_LAST4.fullmatch(key):
            return selectors.filter_by_last4(queryset, key)
        if is_phone(term):
            return selectors.filter_by_phone(queryset, phone_number(term))
        if key.isascii() and key.isdigit():
            # A whole phone number or nothing: a prefix would let anyone read a masked phone digit by digit.
            return queryset.none()
        if term.isascii() and term.replace(" ", "").isalpha():
            letters = term.replace(" ", "").lower()
            # Both branches imply the full pinyin starts with the first letter; saying so as a range
            # lets PostgreSQL start its index scan there instead of filtering from "a" (the OR alone
            # defeats the range): 95 ms → 2 ms for "zh" on 100,000 residents.
            first = letters[0]
            bound = Q(name_pinyin__gte=first) & (Q(name_pinyin__lt=chr(ord(first) + 1)) if first < "z" else Q())
            return queryset.filter(bound, Q(name_pinyin__startswith=letters) | Q(name_initials__startswith=letters))
        return name_contains(queryset, term)


def name_contains(queryset, term: str):
    """Residents whose name holds `term`. On PostgreSQL the rows holding each of its characters are found by
    the index of the names' characters (migration 0011) and LIKE checks their order: no read of the whole
    table for one or two characters, which trigrams cannot index."""
    found = queryset.filter(name__contains=term)
    if connections[queryset.db].vendor != "postgresql":
        return found
    from django.contrib.postgres.fields import ArrayField  # PostgreSQL only: psycopg is there

    # The index's own expression (string_to_array(name, NULL)), written by the ORM so that it names the table
    # by whatever alias the query gives it (an export reads the list as a subquery: a raw table name broke).
    characters = Func(F("name"), Value(None), function="string_to_array", output_field=ArrayField(TextField()))
    return found.alias(name_characters=characters).filter(name_characters__contains=sorted(set(term) - {" "}))


class HouseholdFilterSet(django_filters.FilterSet):
    community = community_filter("grid")
    grid = grid_filter()
    search = django_filters.CharFilter(label="地址", method="filter_search", max_length=50)

    class Meta:
        model = Household
        fields = []

    def filter_search(self, queryset, name, value):
        term = value.strip()
        return queryset.filter(Q(estate__contains=term) | Q(number=term)) if term else queryset


class CommunityFilterSet(django_filters.FilterSet):
    subdistrict = django_filters.ModelChoiceFilter(label="街道", queryset=scoped_choices(Subdistrict))

    class Meta:
        model = Community
        fields = []


class GridFilterSet(django_filters.FilterSet):
    community = community_filter()

    class Meta:
        model = Grid
        fields = []


class ServicePointFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label="类型", choices=PointKind.choices)
    community = community_filter()
    active = django_filters.BooleanFilter(label="启用")

    class Meta:
        model = ServicePoint
        fields = []
