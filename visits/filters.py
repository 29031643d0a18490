import django_filters
from django import forms

from jiedao.filters import CSVChoiceFilter, LocalDayFilter, scoped_choices
from jiedao.models import User
from residents.filters import community_filter, grid_filter, subdistrict_filter
from residents.models import Resident

from .models import Hazard, HazardKind, HazardStatus, Method, Visit


def _visitors(request):
    # Only people who made visits the user may see: any other id is refused like an unknown one, so the
    # filter tells nothing about who exists.
    return User.objects.filter(pk__in=Visit.objects.visible_to(getattr(request, "user", None)).values("visitor_id"))


class VisitFilterSet(django_filters.FilterSet):
    """The visit list's filters: the page, /api/v1/visits/ and (later) the export."""

    resident = django_filters.ModelChoiceFilter(label="居民", queryset=scoped_choices(Resident),
                                                widget=forms.NumberInput)
    method = CSVChoiceFilter(label="方式", choices=Method.choices, lookup_expr="in")
    visitor = django_filters.ModelChoiceFilter(label="走访人", queryset=_visitors, widget=forms.NumberInput)
    grid = grid_filter("resident")
    # The bureau's subtotal of a sub-district opens this list (hidden: the other roles have one).
    subdistrict = subdistrict_filter("resident")
    community = community_filter("resident")
    date_from = LocalDayFilter(label="起始日期", field_name="visited_at")
    date_to = LocalDayFilter(label="截止日期", field_name="visited_at", until=True)

    class Meta:
        model = Visit
        fields = []



class HazardFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label="状态", choices=HazardStatus.choices)
    kind = django_filters.ChoiceFilter(label="类别", choices=HazardKind.choices)
    community = community_filter("resident")
    grid = grid_filter("resident")

    class Meta:
        model = Hazard
        fields = []
