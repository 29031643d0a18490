"""Reads of the base's own models; who reads what is decided in jiedao.scope."""

from django.core.exceptions import PermissionDenied
from django.db import models

from .scope import can_write_registry, is_auditor, places_filter


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("审计日志不可修改。")

    def delete(self):
        raise PermissionDenied("审计日志不可删除。")

    def visible_to(self, user):
        """Auditors read their own sub-district's log, and the entries that belong to no sub-district
        (failed logins under unknown names, district officers' logins): nobody else reads it."""
        if not is_auditor(user):
            return self.none()
        return self.filter(models.Q(subdistrict_id=user.subdistrict_id) | models.Q(subdistrict__isnull=True))


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An inbox is its owner's alone."""
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class ExportJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An export job, and its file, is its owner's alone: any other id answers 404."""
        if not (user and user.is_authenticated):
            return self.none()
        return self.filter(user=user)


class SubdistrictSettingQuerySet(models.QuerySet):
    """Rows that belong to a sub-district as a whole (visit rules, meal prices, relief standards): seen by
    those who work in it; changed only by its admin (the services say so)."""

    def visible_to(self, user):
        return self.filter(places_filter(user, subdistrict="subdistrict_id", community=None, grid=None))


class ImportRunQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An import run is seen by those who may write the registry where it imports to: the staff of its
        community (params["community"]), the admin of its sub-district. Anyone else: 404."""
        if not can_write_registry(user):
            return self.none()
        return self.filter(places_filter(user, subdistrict="subdistrict_id", community="params__community", grid=None))
