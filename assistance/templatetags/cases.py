"""`{{ case.state|waiting_for }}` → "待街道审核（街道管理员）": whose move a case is, from its path."""

from django import template

from assistance import workflow

register = template.Library()


@register.filter
def waiting_for(state: str) -> str:
    return workflow.waiting_for(state)


@register.filter
def wish_waiting_for(state: str) -> str:
    """`{{ wish.state|wish_waiting_for }}` → "待发布（街道管理员）"."""
    return workflow.WISH_PATH.waiting_for(state)
