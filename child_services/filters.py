import django_filters
from django import forms
from django.utils import timezone

from jiedao.filters import DayFilter, scoped_choices
from residents.filters import community_filter, grid_filter, subdistrict_filter
from residents.models import Resident, ServicePoint, Subdistrict

from .choices import EnrolmentChannel, EnrolmentStatus, ProgrammeKind
from .models import DeliveryStatus, Enrolment, NutritionDelivery, NutritionPlan, Programme


class ProgrammeFilterSet(django_filters.FilterSet):
    point = django_filters.ModelChoiceFilter(label="服务点", queryset=scoped_choices(ServicePoint))
    subdistrict = django_filters.ModelChoiceFilter(label="街道", field_name="point__subdistrict",
                                                   queryset=scoped_choices(Subdistrict), widget=forms.HiddenInput)
    community = community_filter("point")
    kind = django_filters.ChoiceFilter(label="类型", choices=ProgrammeKind.choices)
    q = django_filters.CharFilter(label="名称", field_name="name", lookup_expr="icontains", max_length=60)
    running = django_filters.BooleanFilter(label="进行中", method="filter_running",
                                           help_text="今天在课程日期内")
    # Programmes that run on some day between the two (the dashboard's month links here).
    active_from = DayFilter(label="开课期间自", field_name="ends_on", lookup_expr="gte")
    active_to = DayFilter(label="开课期间至", field_name="starts_on", lookup_expr="lte")

    class Meta:
        model = Programme
        fields = []

    def filter_running(self, queryset, name, value):
        today = timezone.localdate()
        running = {"starts_on__lte": today, "ends_on__gte": today}
        return queryset.filter(**running) if value else queryset.exclude(**running)


class EnrolmentFilterSet(django_filters.FilterSet):
    programme = django_filters.ModelChoiceFilter(label="活动/课程", queryset=scoped_choices(Programme))
    point = django_filters.ModelChoiceFilter(label="服务点", field_name="programme__point",
                                             queryset=scoped_choices(ServicePoint))
    subdistrict = django_filters.ModelChoiceFilter(label="街道", field_name="programme__point__subdistrict",
                                                   queryset=scoped_choices(Subdistrict), widget=forms.HiddenInput)
    community = community_filter("programme__point")
    status = django_filters.ChoiceFilter(label="状态", choices=EnrolmentStatus.choices)
    channel = django_filters.ChoiceFilter(label="报名方式", choices=EnrolmentChannel.choices)
    active_from = DayFilter(label="课程期间自", field_name="programme__ends_on", lookup_expr="gte")
    active_to = DayFilter(label="课程期间至", field_name="programme__starts_on", lookup_expr="lte")

    class Meta:
        model = Enrolment
        fields = []


class NutritionPlanFilterSet(django_filters.FilterSet):
    """The pack plan list: the page, /api/v1/nutrition-plans/ and the export."""

    child = django_filters.ModelChoiceFilter(label="儿童", queryset=scoped_choices(Resident), widget=forms.NumberInput)
    active = django_filters.BooleanFilter(label="在发放", widget=forms.NullBooleanSelect)
    subdistrict = subdistrict_filter("child")
    community = community_filter("child")
    grid = grid_filter("child")
    mine = django_filters.BooleanFilter(label="我负责的", method="filter_mine", widget=forms.CheckboxInput)

    def filter_mine(self, queryset, name, value):
        return queryset.filter(worker=self.request.user) if value else queryset

    class Meta:
        model = NutritionPlan
        fields = []


class NutritionDeliveryFilterSet(django_filters.FilterSet):
    """The rounds: the page, /api/v1/nutrition-deliveries/ and the export; the dashboard's packs due,
    delivered and missed link here (community, status, due_from, due_to)."""

    child = django_filters.ModelChoiceFilter(label="儿童", field_name="plan__child", queryset=scoped_choices(Resident),
                                             widget=forms.NumberInput)
    status = django_filters.ChoiceFilter(label="状态", choices=DeliveryStatus.choices)
    due_from = django_filters.DateFilter(label="应送日期起", field_name="due_on", lookup_expr="gte",
                                         widget=forms.DateInput(attrs={"type": "date"}))
    due_to = django_filters.DateFilter(label="应送日期止", field_name="due_on", lookup_expr="lte",
                                       widget=forms.DateInput(attrs={"type": "date"}))
    subdistrict = django_filters.ModelChoiceFilter(label="街道", field_name="plan__child__community__subdistrict",
                                                   queryset=scoped_choices(Subdistrict), widget=forms.HiddenInput)
    community = community_filter("plan__child")
    mine = django_filters.BooleanFilter(label="我负责的", method="filter_mine", widget=forms.CheckboxInput)

    def filter_mine(self, queryset, name, value):
        return queryset.filter(plan__worker=self.request.user) if value else queryset

    class Meta:
        model = NutritionDelivery
        fields = []
