"""The read replica (DATABASE_REPLICA_URL): reads go there only inside `reading_replica()`, which the three
readers that can bear a replica's second of lag wrap around their reads: the dashboard's figures, an export's
rows, the monthly report pack. Everything else reads default, and so does every read made to see a write just
made (a page after its form, a task loading the job it was queued for: those run outside the block).

Writes never go to the replica, inside the block neither, so a task that reads on the replica still records its
result where the next request sees it. Without a replica the block changes nothing."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connections

REPLICA = "replica"
_on_replica: ContextVar[bool] = ContextVar("jiedao_on_replica", default=False)
_everything_on: ContextVar[str | None] = ContextVar("jiedao_everything_on", default=None)


@contextmanager
def reading_replica() -> Iterator[None]:
    """Reads inside go to the replica when there is one; usable as a decorator too (contextmanager)."""
    token = _on_replica.set(REPLICA in connections.settings)
    try:
        yield
    finally:
        _on_replica.reset(token)


@contextmanager
def reading_primary() -> Iterator[None]:
    """Reads inside go to default even within reading_replica(): what must see the writes of the last moment."""
    token = _on_replica.set(False)
    try:
        yield
    finally:
        _on_replica.reset(token)


@contextmanager
def on_database(alias: str) -> Iterator[None]:
    """Every read and write inside goes to `alias`: a data migration, run by the tables' owner on its own
    connection and transaction, calling the code the application runs (the runtime role has no rights yet
    on a table the same migrate has just created: they are granted after it, jiedao.dbroles)."""
    token = _everything_on.set(alias)
    try:
        yield
    finally:
        _everything_on.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return _everything_on.get() or (REPLICA if _on_replica.get() else None)

    def db_for_write(self, model, **hints):
        if _everything_on.get():
            return _everything_on.get()
        # An object read on the replica is saved on default; any other keeps where it came from (the owner's
        # commands write through their own alias).
        instance = hints.get("instance")
        return "default" if instance is not None and instance._state.db == REPLICA else None

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of default: an object read there may point at one read here.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # Replication copies the schema; migrating the replica itself would fail (it is read-only).
        return False if db == REPLICA else None
