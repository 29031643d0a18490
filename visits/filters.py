import django_filters
from django import forms

from jiedao.models import User
from residents.filters import _scoped
from residents.models import Community, Grid, Resident

from .models import Hazard, HazardKind, HazardStatus, Method, Visit


def _colleagues(request):
    # Accounts of the user's own sub-district (every one for the district bureau): an id from elsewhere is
    # refused like any unknown id, so the filter does not tell who exists there.
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return User.objects.none()
    return User.objects.all() if user.role == "district_officer" else User.objects.filter(
        subdistrict_id=user.subdistrict_id)


class VisitFilterSet(django_filters.FilterSet):
    """The visit list's filters: the page, /api/v1/visits/ and (later) the export."""

    resident = django_filters.ModelChoiceFilter(label="居民", queryset=_scoped(Resident),
                                                widget=forms.NumberInput)
    method = django_filters.ChoiceFilter(label="方式", choices=Method.choices)
    visitor = django_filters.ModelChoiceFilter(label="走访人", queryset=_colleagues, widget=forms.NumberInput)
    grid = django_filters.ModelChoiceFilter(label="网格", field_name="resident__grid",
                                            queryset=_scoped(Grid, "community"))
    community = django_filters.ModelChoiceFilter(label="社区", field_name="resident__community",
                                                 queryset=_scoped(Community))
    date_from = django_filters.DateFilter(label="起始日期", field_name="visited_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(label="截止日期", field_name="visited_at", lookup_expr="date__lte")

    class Meta:
        model = Visit
        fields = []


class HazardFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=HazardStatus.choices)
    kind = django_filters.ChoiceFilter(label="类别", choices=HazardKind.choices)
    community = django_filters.ModelChoiceFilter(label="社区", field_name="resident__community",
                                                 queryset=_scoped(Community))
    grid = django_filters.ModelChoiceFilter(label="网格", field_name="resident__grid",
                                            queryset=_scoped(Grid, "community"))

    class Meta:
        model = Hazard
        fields = []
