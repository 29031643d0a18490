import django_filters

from jiedao.filters import DayFilter, scoped_choices
from residents.filters import community_filter, subdistrict_filter
from residents.models import Community, ServicePoint

from .models import Meal, MealType


class MealFilterSet(django_filters.FilterSet):
    point = django_filters.ModelChoiceFilter(label="服务点", queryset=scoped_choices(ServicePoint))
    meal = django_filters.ChoiceFilter(label="餐次", choices=MealType.choices)
    subdistrict = subdistrict_filter("resident", "居民所在街道")
    community = community_filter("resident", "居民所在社区")
    others = django_filters.BooleanFilter(label="来宾及外街道居民", method="filter_others",
                                          help_text="未登记的来宾，以及不属于您所辖社区的居民")
    date_from = DayFilter(label="起始日期", field_name="date", lookup_expr="gte")
    date_to = DayFilter(label="截止日期", field_name="date", lookup_expr="lte")

    class Meta:
        model = Meal
        fields = []

    def filter_others(self, queryset, name, value):
        from django.db.models import Q

        user = getattr(self.request, "user", None)
        outside = Q(resident__isnull=True) | ~Q(resident__community__in=Community.objects.visible_to(user))
        return queryset.filter(outside) if value else queryset.exclude(outside)
