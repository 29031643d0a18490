"""`{{ amount|money }}` → "3,000.00 元", `{{ amount|yuan }}` → "3,000.00" (under a heading that says 元)."""

from django import template

from jiedao.money import yuan as _yuan

register = template.Library()


@register.filter
def money(value) -> str:
    text = _yuan(value)
    return text if text == "—" else f"{text} 元"


@register.filter
def yuan(value) -> str:
    return _yuan(value)
