import django_filters
from django import forms

from residents.filters import _scoped
from residents.models import Community, Grid, Resident
from visits.schedule import day_range

from .models import Case, CaseKind, CaseState


class CaseFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label="类别", choices=CaseKind.choices)
    state = django_filters.ChoiceFilter(label="状态", choices=CaseState.choices)
    community = django_filters.ModelChoiceFilter(label="社区", field_name="resident__community",
                                                 queryset=_scoped(Community))
    grid = django_filters.ModelChoiceFilter(label="网格", field_name="resident__grid",
                                            queryset=_scoped(Grid, "community"))
    resident = django_filters.ModelChoiceFilter(label="申请人", queryset=_scoped(Resident), widget=forms.NumberInput)
    opened_from = django_filters.DateFilter(label="申请日期起", method="filter_from",
                                            widget=forms.DateInput(attrs={"type": "date"}))
    opened_to = django_filters.DateFilter(label="申请日期止", method="filter_to",
                                          widget=forms.DateInput(attrs={"type": "date"}))

    class Meta:
        model = Case
        fields = []

    def filter_from(self, queryset, name, value):
        return queryset.filter(opened_at__gte=day_range(value, value)[0])

    def filter_to(self, queryset, name, value):
        return queryset.filter(opened_at__lt=day_range(value, value)[1])
