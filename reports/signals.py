"""The figure cache hears of every write to a table it reads: a row saved or deleted (Django's own
signals), or a service's bulk write (jiedao.signals.rows_changed). Features never import this app."""

from django.apps import apps
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save, pre_save

from jiedao.signals import rows_changed
from residents.models import Community, Resident, ResidentTag

from .selectors import ALL_PARTS, PART_SOURCES, RESIDENT_FIELDS, figures_changed

# Written in bulk only (its per-row signals would make Django delete its rows one by one): heard through
# rows_changed alone.
BULK_ONLY = {"visits.duedate"}
# Every field of a resident's row that some part reads.
READ_OF_A_RESIDENT = sorted(set().union(*RESIDENT_FIELDS.values()))


def _changed(sender, instance=None, subdistricts=None, communities=None, origin=None, **kwargs):
    if subdistricts is None and isinstance(instance, ResidentTag) and _tags_deleted(origin):
        # A tag taken from a resident (a form's save, not a check-in): her community and sub-district, one indexed
        # read. Not when her own deletion took it (that starts every part afresh: no read per tag of an import
        # undone).
        communities, subdistricts = _places_of(kwargs.get("using"), [instance.resident_id], resident=True)
    figures_changed(sender, instance, subdistricts=subdistricts, communities=communities)


def _places_of(using, pks, *, resident=False) -> tuple[set[int] | None, set[int] | None]:
    """The communities (`pks`, or the residents' of `pks`) and their sub-districts, one indexed read; (None, None)
    when none is found."""
    if resident:
        rows = Resident.objects.using(using or "default").filter(pk__in=pks).values_list(
            "community_id", "community__subdistrict_id")
    else:
        rows = Community.objects.using(using or "default").filter(pk__in=pks).values_list("pk", "subdistrict_id")
    rows = list(rows)
    return ({c for c, _ in rows}, {s for _, s in rows}) if rows else (None, None)


def _tags_deleted(origin) -> bool:
    """Whether a deletion began with tags themselves (a tag or a queryset of them), not with what they hang on."""
    return isinstance(origin, ResidentTag) or isinstance(origin, QuerySet) and origin.model is ResidentTag


def _resident_before(sender, instance, **kwargs):
    """What the parts read of the resident as stored, to tell after the save which of it changed (one
    indexed read: most saves change a phone number or a note, which no figure counts)."""
    if instance.pk is not None:  # the row as the write will find it: on the database written to
        instance._figures_before = (Resident.objects.using(kwargs.get("using") or "default").filter(pk=instance.pk)
                                    .values(*READ_OF_A_RESIDENT).first())


def _resident_saved(sender, instance, created=False, **kwargs):
    before = None if created else getattr(instance, "_figures_before", None)
    fields = None if before is None else {f for f in READ_OF_A_RESIDENT if getattr(instance, f) != before[f]}
    if fields == set():
        return  # a phone number, an address, a note: no figure counts them
    # A resident registered, or changed in what the figures count, starts afresh the communities she is counted
    # in (she left and joined, for a move) and their sub-districts' figures (and the district's), not every one:
    # one indexed read, on a save that some figure counts.
    places = {instance.community_id} if before is None else {before["community_id"], instance.community_id}
    if places == {instance.community_id} and Resident.community.is_cached(instance):  # loaded with her: no read
        communities, subdistricts = places, {instance.community.subdistrict_id}
    else:
        communities, subdistricts = _places_of(kwargs.get("using"), places)
    figures_changed(sender, instance, fields, subdistricts, communities)


def _connect() -> None:
    for label in set().union(ALL_PARTS, *PART_SOURCES.values()) - BULK_ONLY:
        model = apps.get_model(label)
        if model is not Resident:
            post_save.connect(_changed, sender=model, dispatch_uid=f"figures-save-{label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"figures-delete-{label}")
    pre_save.connect(_resident_before, sender=Resident, dispatch_uid="figures-before-resident")
    post_save.connect(_resident_saved, sender=Resident, dispatch_uid="figures-save-residents.resident")
    rows_changed.connect(_changed, dispatch_uid="figures-bulk")


_connect()
