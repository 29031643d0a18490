import django_filters
from django import forms

from jiedao.filters import CSVChoiceFilter, LocalDayFilter, scoped_choices
from residents.filters import community_filter, grid_filter, subdistrict_filter
from residents.models import Resident, Subdistrict

from .models import Case, CaseKind, CaseState, Disbursement, DisbursementMethod, Wish, WishState


class CaseFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label="类别", choices=CaseKind.choices)
    state = CSVChoiceFilter(label="状态", choices=CaseState.choices, lookup_expr="in")
    # The district bureau's figures per sub-district link here (a sub-district's subtotal row).
    subdistrict = subdistrict_filter("resident")
    community = community_filter("resident")
    grid = grid_filter("resident")
    resident = django_filters.ModelChoiceFilter(label="申请人", queryset=scoped_choices(Resident),
                                                widget=forms.NumberInput)
    opened_from = LocalDayFilter(label="申请日期起", field_name="opened_at")
    opened_to = LocalDayFilter(label="申请日期止", field_name="opened_at", until=True)

    class Meta:
        model = Case
        fields = []


class DisbursementFilterSet(django_filters.FilterSet):
    """The disbursement list: the page, /api/v1/disbursements/ and the export."""

    kind = django_filters.ChoiceFilter(label="救助类别", field_name="case__kind", choices=CaseKind.choices)
    method = django_filters.ChoiceFilter(label="方式", choices=DisbursementMethod.choices)
    subdistrict = django_filters.ModelChoiceFilter(label="街道", field_name="case__resident__community__subdistrict",
                                                   queryset=scoped_choices(Subdistrict), widget=forms.HiddenInput)
    community = community_filter("case__resident")
    case = django_filters.NumberFilter(label="案件编号", widget=forms.NumberInput, min_value=1, max_value=2**31 - 1)
    paid_from = django_filters.DateFilter(label="发放日期起", field_name="paid_on", lookup_expr="gte")
    paid_to = django_filters.DateFilter(label="发放日期止", field_name="paid_on", lookup_expr="lte")
    # Voided payments are listed (marked) unless asked otherwise; no total counts them either way.
    status = django_filters.ChoiceFilter(label="状态", choices=[("live", "有效"), ("voided", "作废")],
                                         method="filter_status", empty_label="全部（含作废）")

    def filter_status(self, queryset, name, value):
        return queryset.live() if value == "live" else queryset.voided() if value == "voided" else queryset

    class Meta:
        model = Disbursement
        fields = []


class WishFilterSet(django_filters.FilterSet):
    """The wish list: the page, /api/v1/wishes/ and the export."""

    state = CSVChoiceFilter(label="状态", choices=WishState.choices, lookup_expr="in")
    # The dashboard's child-services sheet counts children's wishes and links here with for_child=true.
    for_child = django_filters.BooleanFilter(label="儿童心愿", widget=forms.NullBooleanSelect)
    subdistrict = subdistrict_filter("resident")
    community = community_filter("resident")
    grid = grid_filter("resident")
    resident = django_filters.ModelChoiceFilter(label="心愿人", queryset=scoped_choices(Resident),
                                                widget=forms.NumberInput)
    created_from = LocalDayFilter(label="征集日期起", field_name="created_at")
    created_to = LocalDayFilter(label="征集日期止", field_name="created_at", until=True)
    fulfilled_from = django_filters.DateFilter(label="实现日期起", field_name="fulfilled_on", lookup_expr="gte")
    fulfilled_to = django_filters.DateFilter(label="实现日期止", field_name="fulfilled_on", lookup_expr="lte")

    class Meta:
        model = Wish
        fields = []
