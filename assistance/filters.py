import django_filters
from django import forms

from jiedao.filters import LocalDayFilter, scoped_choices
from residents.models import Community, Grid, Resident

from .models import Case, CaseKind, CaseState


class CaseFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label="类别", choices=CaseKind.choices)
    state = django_filters.ChoiceFilter(label="状态", choices=CaseState.choices)
    community = django_filters.ModelChoiceFilter(label="社区", field_name="resident__community",
                                                 queryset=scoped_choices(Community))
    grid = django_filters.ModelChoiceFilter(label="网格", field_name="resident__grid",
                                            queryset=scoped_choices(Grid, "community"))
    resident = django_filters.ModelChoiceFilter(label="申请人", queryset=scoped_choices(Resident),
                                                widget=forms.NumberInput)
    opened_from = LocalDayFilter(label="申请日期起", field_name="opened_at")
    opened_to = LocalDayFilter(label="申请日期止", field_name="opened_at", until=True)

    class Meta:
        model = Case
        fields = []
