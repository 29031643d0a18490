"""The figure cache hears of every write to a table it reads: a row saved or deleted (Django's own
signals), or a service's bulk write (jiedao.signals.rows_changed). Features never import this app."""

from django.apps import apps
from django.db.models.signals import post_delete, post_save

from jiedao.signals import rows_changed

from .selectors import ALL_PARTS, PART_SOURCES, figures_changed


def _changed(sender, **kwargs):
    figures_changed(sender)


def _connect() -> None:
    for label in set().union(ALL_PARTS, *PART_SOURCES.values()):
        model = apps.get_model(label)
        post_save.connect(_changed, sender=model, dispatch_uid=f"figures-save-{label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"figures-delete-{label}")
    rows_changed.connect(_changed, dispatch_uid="figures-bulk")


_connect()
