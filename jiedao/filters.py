"""Shared pieces for FilterSets: one FilterSet per list serves the page, the API and the export."""

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .dates import day_range
from .forms import DayField
from .models import AuditAction, AuditEntry


class CSVChoiceWidget(forms.CheckboxSelectMultiple):
    """Checkboxes on the page, yet one comma-separated value (`tags=a,b`) like the API."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return ",".join(v for v in values if v)

    def format_value(self, value):
        if isinstance(value, str):
            return [v for v in value.split(",") if v]
        return super().format_value(value)


class CSVChoiceField(forms.CharField):
    """`a,b,c` → ["a", "b", "c"], each a known choice."""

    def __init__(self, *, choices, **kwargs):
        self.choices = list(choices)
        kwargs.setdefault("widget", CSVChoiceWidget(choices=self.choices))
        kwargs.setdefault("max_length", 500)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        codes = [c.strip() for c in (value or "").split(",") if c.strip()]
        known = {c for c, _ in self.choices}
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise forms.ValidationError("未知的选项：%(codes)s。", params={"codes": "、".join(unknown)[:100]})
        return codes


@extend_schema_field(OpenApiTypes.STR)
class CSVChoiceFilter(django_filters.Filter):
    field_class = CSVChoiceField


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.Filter):
    field_class = forms.IntegerField


class OrderingFilter(django_filters.OrderingFilter):
    # django-filter's "%s (descending)" has no zh-hans translation.
    descending_fmt = "%s（倒序）"


@extend_schema_field(OpenApiTypes.DATE)
class DayFilter(django_filters.DateFilter):
    field_class = DayField


class LocalDayFilter(DayFilter):
    """A local day (`date_from=2026-11-01`) against a date-time column, as an indexable range:
    from that day's start, or (`until=True`) up to the next day's start."""

    def __init__(self, *args, until: bool = False, **kwargs):
        self.until = until
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        start, stop = day_range(value, value)
        return qs.filter(**({f"{self.field_name}__lt": stop} if self.until else {f"{self.field_name}__gte": start}))


def scoped_choices(model, *related):
    """The queryset callable of a ModelChoiceFilter: the user's own places only, so that another
    community's id is refused like an unknown one."""

    def queryset(request):
        return model.objects.visible_to(getattr(request, "user", None)).select_related(*related)

    return queryset


def _object_types() -> list[tuple[str, str]]:
    """The kinds of object an entry can be about, by their Chinese names (the auditor reads no model names)."""
    from django.apps import apps

    return sorted({(m._meta.model_name, str(m._meta.verbose_name)) for m in apps.get_models()
                   if m._meta.app_label not in {"admin", "contenttypes", "sessions", "axes", "otp_totp", "otp_static"}},
                  key=lambda choice: choice[1])


class AuditEntryFilterSet(django_filters.FilterSet):
    actor = django_filters.CharFilter(label="用户名", field_name="actor_username", max_length=150)
    action = django_filters.ChoiceFilter(label="操作", choices=AuditAction.choices)
    target_type = django_filters.ChoiceFilter(label="对象类型", choices=lambda: _object_types())
    target_id = django_filters.CharFilter(label="对象编号", max_length=50)
    date_from = DayFilter(label="起始日期", field_name="at", lookup_expr="date__gte")
    date_to = DayFilter(label="截止日期", field_name="at", lookup_expr="date__lte")

    class Meta:
        model = AuditEntry
        fields = []
