"""What elderly care does when the registry's places change: a sub-district's first canteen or meal point
starts with sensible meal prices and discount rules (the admin edits them on /care/pricing/). The point is
saved by residents' service, which knows nothing of meals; this app hears of it here."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from residents.models import ServicePoint
from residents.signals import service_point_saved

from .models import MealPrice, PriceRule
from .services import default_pricing_ensure, pricing_forget


@receiver(service_point_saved, dispatch_uid="elderly-care-default-pricing")
def default_pricing_for_a_meal_point(sender, point: ServicePoint, **kwargs):
    if point.serves_meals:
        default_pricing_ensure(subdistrict=point.subdistrict)


@receiver([post_save, post_delete], sender=MealPrice, dispatch_uid="elderly-care-price-changed")
@receiver([post_save, post_delete], sender=PriceRule, dispatch_uid="elderly-care-rule-changed")
def pricing_changed(sender, instance, **kwargs):
    """A price or rule saved or deleted (on the pricing page or in the admin): the counters' cached pricing goes."""
    pricing_forget(instance.subdistrict_id)
