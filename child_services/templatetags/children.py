from django import template
from django.utils import timezone

from child_services.services import age_in_months, months_label

register = template.Library()


@register.filter
def months(value) -> str:
    """36 → "3 岁"; a number of months as people say a child's age."""
    return months_label(value) if isinstance(value, int) else "—"


@register.filter
def age_months(birth_date) -> str:
    return months_label(age_in_months(birth_date, timezone.localdate())) if birth_date else "—"
