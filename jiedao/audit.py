"""The audit log's one writer. Services call record(); the request's address comes from the
middleware below, so that services need not be handed a request."""

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from .auditchain import link_after_commit
from .models import AuditAction, AuditEntry
from .redact import redact, redact_data

_client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)


def client_ip(request) -> str | None:
    # REMOTE_ADDR only: behind a proxy, set PROXY_COUNT and let the proxy overwrite it.
    return request.META.get("REMOTE_ADDR") or None


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _client_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _client_ip.reset(token)


def record(*, actor, action: AuditAction, target=None, changes: dict | None = None,
           subdistrict_id: int | None = None, username: str | None = None, ip: str | None = None) -> AuditEntry:
    """Append one entry. The sub-district (what an auditor may read) is the target's, else the actor's.
    Full ID and phone numbers in what is recorded (a searched number, a username typed as one, a phone
    field) are masked first: the log keeps that something happened, never the number."""
    entry = _entry(actor=actor, action=action, target=target, changes=changes, subdistrict_id=subdistrict_id,
                   username=username, ip=ip)
    entry.save()
    # Its place in the hash chain is given after commit, so no audited write waits for another (auditchain).
    link_after_commit()
    return entry


def record_many(*, actor, action: AuditAction, items: Iterable[tuple[Any, dict]], batch: int = 1000) -> int:
    """One entry per (target, changes), exactly as record() writes each, inserted in batches: a bulk write
    (an import of 20,000 residents) keeps an entry per object without a statement per entry."""
    entries = [_entry(actor=actor, action=action, target=target, changes=changes) for target, changes in items]
    AuditEntry.objects.bulk_create(entries, batch_size=batch)
    if entries:
        link_after_commit()
    return len(entries)


def _entry(*, actor, action, target=None, changes=None, subdistrict_id=None, username=None, ip=None) -> AuditEntry:
    if subdistrict_id is None and target is not None:
        subdistrict_id = getattr(target, "audit_subdistrict_id", None)
    if subdistrict_id is None and actor is not None:
        subdistrict_id = getattr(actor, "subdistrict_id", None)
    return AuditEntry(
        actor=actor if actor is not None and actor.pk else None,
        actor_username=redact(username or (actor.get_username() if actor is not None else "")),
        action=action,
        target_type=target._meta.model_name if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=label_of(target) if target is not None else "",
        subdistrict_id=subdistrict_id,
        ip=ip or _client_ip.get(),
        changes=redact_data(changes or {}),
    )


def label_of(target) -> str:
    """How the log names an object: its kind in Chinese and what it is called (`str()`), numbers masked."""
    name = redact(str(target))[:150]
    return f"{target._meta.verbose_name} {name}".strip()[:200]


def ref(obj) -> dict | None:
    """A related object as the log keeps it: its id, and its name as it was then (numbers masked), so that
    the auditor reads 网格 东一网格 rather than 网格 1 without the log reaching into the app later."""
    if obj is None:
        return None
    return {"id": obj.pk, "name": redact(str(obj))[:150]}


def refs(objects) -> list[dict]:
    """Several related objects (an account's communities), in a stable order so equal sets compare equal."""
    return sorted((ref(o) for o in objects), key=lambda r: r["id"])


def snapshot(obj, fields: list[str]) -> dict:
    """The values of `fields` on `obj`, as the log stores them (dates as ISO strings, money to its places,
    a foreign key — named `grid` or `grid_id` — as ref())."""
    out = {}
    for field in fields:
        model_field = obj._meta.get_field(field)
        if model_field.many_to_one or model_field.one_to_one:
            out[field] = ref(getattr(obj, model_field.name))
            continue
        value = getattr(obj, field)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            # JSON has no decimals: the exact figure as text, with the field's own places, so that 12 typed
            # over a stored 12.00 is no change.
            places = getattr(obj._meta.get_field(field), "decimal_places", None)
            value = f"{value:.{places}f}" if places is not None else str(value)
        out[field] = value
    return out


def record_save(*, actor, obj, before: dict | None, after: dict) -> None:
    """Log a create (the new state) or a change (each changed field, before and after; nothing if none)."""
    if before is None:
        record(actor=actor, action=AuditAction.CREATE, target=obj, changes={"after": after})
        return
    changes = diff(before, after)
    if changes:
        record(actor=actor, action=AuditAction.UPDATE, target=obj, changes=changes)


def diff(before: dict, after: dict) -> dict:
    """{field: [before, after]} for the fields whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


@transaction.atomic
def audited_save(*, actor, obj, fields: list[str], guard: Callable[[Any], None] | None = None,
                 validate: Callable[[Any], None] | None = None):
    """Save `obj` the way every settings-like write does: look up the stored row (None when new), let
    `guard(stored)` refuse (PermissionDenied, ValidationError), full_clean, let `validate(obj)` check
    rules across rows, save, and log the create or the changed `fields`. Returns `obj`."""
    stored = type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk else None
    if guard is not None:
        guard(stored)
    obj.full_clean()
    if validate is not None:
        validate(obj)
    obj.save()
    record_save(actor=actor, obj=obj, before=stored and snapshot(stored, fields), after=snapshot(obj, fields))
    return obj


def own_subdistrict(actor, message: str) -> Callable[[Any], None]:
    """An audited_save guard: a stored row of another sub-district is not the actor's to change."""
    def guard(stored):
        if stored is not None and stored.subdistrict_id != actor.subdistrict_id:
            raise PermissionDenied(message)

    return guard


def record_denial(request, reason: str = "") -> None:
    """A refused request (403) in the log: who, which page or endpoint (the path, not its query), why."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return  # anonymous requests are sent to sign in, not refused
    record(actor=user, action=AuditAction.DENIED, ip=client_ip(request),
           changes={"path": request.path[:200], "method": request.method, "reason": str(reason)[:200]})
