"""`{% url 'assistance:case_create' r.pk as url %}{% if url|opens_for:user %}…`: a link is shown to those
its page admits, by the page's own rule (jiedao.menu.opens_for), never by a second one in the template."""

from django import template

from jiedao.menu import opens_for as _opens_for

register = template.Library()


@register.filter
def opens_for(url: str, user) -> bool:
    return bool(url) and _opens_for(url, user)
