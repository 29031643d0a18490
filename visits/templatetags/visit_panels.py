"""The visits panel of the resident page: the registry shows it without importing this app."""

from django import template

from ..models import CarePlan

register = template.Library()


@register.inclusion_tag("visits/resident_panel.html")
def visits_panel(resident):
    """The latest visits and the care plan (responsible worker, curtain pact) of a resident the page
    already found in the user's scope."""
    return {"resident": resident, "recent_visits": resident.visits.select_related("visitor")[:5],
            "plan": CarePlan.objects.filter(resident=resident).select_related("responsible").first()}
