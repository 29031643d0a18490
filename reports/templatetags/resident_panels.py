"""The resident page's panels that read across features (relief and meals): the registry shows them
without importing any feature."""

from django import template

from ..selectors import benefits_of

register = template.Library()


@register.inclusion_tag("reports/benefits_panel.html")
def benefits_panel(resident):
    """Every case and payment of the resident and their household, meal subsidies, and warnings."""
    return {"resident": resident, "benefits": benefits_of(resident)}
