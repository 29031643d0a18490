"""What the visits app hears: a pairing's visit from the layer below (residents.signals), and every write
that moves a next-due date (visits, residents, rules), which keeps DueDate as fresh as the rows it is read
from, however the row was written (a service, the admin, a factory)."""

from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from jiedao.signals import rows_changed
from residents.models import Resident
from residents.signals import pairing_visit_made

from . import services
from .models import DueDate, Method, Visit, VisitRule

# A resident's plan is their tier's rules in their sub-district, for as long as they are active, due from
# the day the tier began until the first visit.
PLAN_FIELDS = {"care_tier", "care_tier_since", "community", "status"}


@receiver(pairing_visit_made)
def record_pairing_visit(sender, *, resident, actor, visited_at, notes, **kwargs):
    """A pairing's visit (volunteers) is a home visit of the resident's plan, recorded by its own rules."""
    return services.visit_record(actor=actor, resident=resident, method=Method.HOME, visited_at=visited_at,
                                 notes=notes)


@receiver([post_save, post_delete], sender=Visit, dispatch_uid="visits-due-after-visit")
def visit_saved(sender, instance, **kwargs):
    services.due_dates_refill(residents=Resident.objects.filter(pk=instance.resident_id))


@receiver(post_save, sender=Resident, dispatch_uid="visits-due-after-resident")
def resident_saved(sender, instance, update_fields=None, **kwargs):
    if update_fields is None or PLAN_FIELDS & set(update_fields):
        services.due_dates_refill(residents=Resident.objects.filter(pk=instance.pk))


@receiver(post_save, sender=VisitRule, dispatch_uid="visits-due-after-rule")
def rule_saved(sender, instance, **kwargs):
    """Only the rule's tier in its sub-district, and whoever its dates were stored for (its tier may have
    changed). A deleted rule's dates go with it (on_delete=CASCADE)."""
    services.due_dates_refill(residents=Resident.objects.filter(
        Q(community__subdistrict=instance.subdistrict_id, care_tier=instance.care_tier)
        | Q(pk__in=DueDate.objects.filter(rule=instance).values("resident_id"))))


@receiver(rows_changed, dispatch_uid="visits-due-after-bulk")
def rows_written(sender, pks=None, **kwargs):
    """A bulk write of residents (the ledger import, its undo): the plans of the residents it names, every
    plan when it names none. (A removed resident's dates went with the row: on_delete=CASCADE.)"""
    if sender is Resident:
        services.due_dates_refill(residents=None if pks is None else Resident.objects.filter(pk__in=pks))
