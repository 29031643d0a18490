"""Rows streamed into a table: COPY on PostgreSQL, executemany elsewhere (the seed of a district's million
residents, which Django's bulk_create cannot write in the memory or the time: it prepares every object field
by field, and the caller must hold them all to get their ids back).

A `Loader` takes plain tuples in the order of the attnames it was given and fills in the rest as a save
would: the keyed index columns of an encrypted field from its clear value (and the value encrypted:
jiedao.crypto's rule, through the field itself), auto_now/auto_now_add with the time of the load, every
other column its default. Ids are the caller's when it asks for them (`reserve_ids`): so a household can
name its head and a resident its household before either row is written. Nothing here sends signals or
runs `clean()`: the caller writes what it built to be valid.

`rebuilt_indexes()` drops a table's secondary indexes, unique constraints and foreign keys while a large
load runs and builds them again at the end (PostgreSQL only): one sort per index instead of a million
random insertions into each of some thirty B-trees, and one anti-join per foreign key instead of a check
per row. Everything happens inside the caller's transaction, so a failed load leaves the table as it was;
or, asked for (`later`), the indexes are built after the load commits, on a connection of their own while the
caller goes on (`Rebuild`).
"""

import threading
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import datetime
from functools import cache

from django.db import connection, models, transaction
from django.utils import timezone

from .crypto import encrypter, indexer

# Rows a chunk of executemany carries on SQLite (its statements have a parameter limit; a chunk keeps memory flat).
SQLITE_CHUNK = 500


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


class Loader:
    """Write rows of `model` whose values are given for `fields` (attnames, in order); see the module."""

    def __init__(self, model: type[models.Model], fields: list[str], *, now: datetime | None = None):
        self.model = model
        self.table = model._meta.db_table
        concrete = {f.attname: f for f in model._meta.concrete_fields}
        given = [concrete[name] for name in fields]
        # The key, cipher and pads looked up once for the load, not once a value (jiedao.crypto's stream forms).
        # A last four is one of some ten thousand: its keyed index is computed once for each.
        self.encrypted = [(i, f, encrypter(aad=f.aad()), f.blind_index and indexer(f.attname),
                           f.last4_index and cache(indexer(f.attname, last4=True)))
                          for i, f in enumerate(given) if getattr(f, "encrypted", False)]
        index_names = {name for _, f, *_ in self.encrypted for name in (f.blind_index, f.last4_index) if name}
        now = now or timezone.now()
        rest = [f for f in model._meta.concrete_fields
                if f.attname not in fields and f.attname not in index_names and not (f.primary_key and f.auto_created)
                and not isinstance(f, models.AutoField)]
        self.defaults = tuple(now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                              else f.get_default() for f in rest)
        for f, value in zip(rest, self.defaults, strict=True):
            if value is None and not f.null:
                raise ValueError(f"{self.table}.{f.column} has no default: give it to the loader")
        self.fields = [*given, *(concrete[name] for _, f, *_ in self.encrypted
                                 for name in (f.blind_index, f.last4_index) if name), *rest]
        self.columns = [f.column for f in self.fields]
        self.written = 0
        self._types = None  # the columns' type oids, for a binary COPY (read at the first write)

    def _full(self, row: tuple) -> tuple:
        if not self.encrypted:
            return (*row, *self.defaults)
        out = list(row)
        indexes = []
        for i, field, encrypt, index, last4 in self.encrypted:
            clear = field.to_python(out[i]) or ""  # the field's own form (a phone's), as pre_save stores it
            out[i] = encrypt(clear)
            if index:
                indexes.append(index(clear))
            if last4:
                indexes.append(last4(clear[-4:]))
        return (*out, *indexes, *self.defaults)

    def write(self, rows: Iterable[tuple]) -> int:
        """Write `rows` (tuples in the order of `fields`); returns how many. On PostgreSQL the rows are read
        while the COPY runs: a generator of them must not query the database (the connection is busy)."""
        before = self.written
        if is_postgresql():
            self._copy(rows)
        else:
            self._insert(rows)
        return self.written - before

    def _copy(self, rows: Iterable[tuple]) -> None:
        from psycopg import sql

        if self._types is None:
            self._types = _column_types(self.table, self.columns)
        # Binary: a value is dumped by its column's type, a quarter of the text form's cost in Python (and
        # PostgreSQL parses no dates or numbers).
        statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
            sql.Identifier(self.table), sql.SQL(", ").join(map(sql.Identifier, self.columns)))
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            copy.set_types(self._types)
            full, write, n = self._full, copy.write_row, 0
            for row in rows:
                write(full(row))
                n += 1
        self.written += n

    def _insert(self, rows: Iterable[tuple]) -> None:
        quote = connection.ops.quote_name
        statement = (f"INSERT INTO {quote(self.table)} ({', '.join(map(quote, self.columns))}) "
                     f"VALUES ({', '.join(['%s'] * len(self.columns))})")
        prepare = [f.get_db_prep_save for f in self.fields]
        prepared = {f.attname for _, f, *_ in self.encrypted} | {name for _, f, *_ in self.encrypted
                                                               for name in (f.blind_index, f.last4_index) if name}
        chunk = []
        with connection.cursor() as cursor:
            for row in rows:
                full = self._full(row)
                # The values are prepared already (encrypted, indexed); the others as Django would send them.
                chunk.append([value if f.attname in prepared else prep(value, connection)
                              for f, prep, value in zip(self.fields, prepare, full, strict=True)])
                if len(chunk) == SQLITE_CHUNK:
                    cursor.executemany(statement, chunk)
                    self.written += len(chunk)
                    chunk = []
            if chunk:
                cursor.executemany(statement, chunk)
                self.written += len(chunk)


def _column_types(table: str, columns: list[str]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT attname, atttypid::int FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                       "AND NOT attisdropped", [table])
        oids = dict(cursor.fetchall())
    return [oids[column] for column in columns]


def in_chunks(queryset, *fields: str, size: int = 5000):
    """`queryset.values_list(*fields)` (the pk first), `size` rows at a time by pk: lists, each read whole before
    it is used, so that a COPY can be written between two reads (a server-side cursor cannot be read while a
    COPY runs on the same connection)."""
    last = None
    while True:
        rows = queryset if last is None else queryset.filter(pk__gt=last)
        rows = list(rows.order_by("pk").values_list(*fields)[:size])
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def reserve_ids(model: type[models.Model], count: int) -> int:
    """The first of `count` consecutive ids no other row has or will get (the table's sequence moved past
    them); the caller writes them itself. Call inside a transaction: on PostgreSQL the table is locked
    against other writers until it ends, so no insert takes an id in between."""
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE')
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
            sequence = cursor.fetchone()[0]
            # The sequence may stand behind rows written with explicit ids (fixtures, another load): past both.
            cursor.execute(f'SELECT GREATEST((SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"), '
                           f"(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {sequence}))")
            last = cursor.fetchone()[0]
            cursor.execute("SELECT setval(%s, %s)", [sequence, last + count])
            return last + 1
        # SQLite: one writer at a time, and AUTOINCREMENT moves past the highest id written.
        cursor.execute(f'SELECT MAX("{pk}") FROM "{table}"')
        last = max(cursor.fetchone()[0] or 0, _sqlite_sequence(cursor, table))
        return last + 1


def _sqlite_sequence(cursor, table: str) -> int:
    cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
    if cursor.fetchone() is None:
        return 0
    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
    row = cursor.fetchone()
    return row[0] if row else 0


@contextmanager
def rebuilt_indexes(*models_: type[models.Model], adding: int, later: bool = False):
    """While the block runs, the tables of `models_` have no secondary index, unique constraint or foreign key;
    they are built again when it ends, and the tables analysed. Only on PostgreSQL, and only when `adding`
    rows is more than a table already holds (else building every index again costs more than it saves).

    `later`: nothing is built when the block ends; it yields a `Rebuild`, whose start() the caller calls once
    the load's transaction has committed, so that the indexes are built on a connection of their own while
    the caller goes on with other work (a second core is otherwise idle: an index build is PostgreSQL's work
    alone), and finish() when that work is done."""
    rebuild = Rebuild([])
    if not is_postgresql():
        yield rebuild
        return
    if not connection.in_atomic_block:
        raise RuntimeError("rebuilt_indexes() drops indexes: call it inside transaction.atomic()")
    with connection.cursor() as cursor:
        _check_pending(cursor)
        for model in models_:
            table = model._meta.db_table
            # Only the tables' owner may drop their indexes: the runtime role (jiedao.dbroles) loads with them.
            cursor.execute("SELECT reltuples, pg_has_role(current_user, relowner, 'USAGE') FROM pg_class "
                           "WHERE oid = %s::regclass", [table])
            held, owner = cursor.fetchone()
            if not owner:
                continue
            held = max(held, 0)
            if held and held >= adding:
                continue
            if not held:  # never analysed (-1) or analysed empty: count, as far as `adding` (a load nested in
                # another finds its table unanalysed and, at a district's size, millions of rows in it)
                cursor.execute(f'SELECT COUNT(*) FROM (SELECT 1 FROM "{table}" LIMIT %s) AS held', [adding])
                if cursor.fetchone()[0] >= adding:
                    continue
            rebuild.dropped.append((table, *_drop(cursor, table)))
    yield rebuild
    # Not when the block failed: the transaction then rolls back whole, the dropped ones with it.
    if not later:
        rebuild.build_here()


class Rebuild:
    """What rebuilt_indexes() dropped, and its building again: here, in the load's own transaction
    (build_here), or apart (start, then finish).

    Apart, the rows are committed before their indexes exist: start() analyses the tables and builds the
    indexes (a unique constraint's as its unique index) on a connection of its own, each committed as it is
    built (the caller's next query may use it), while the caller's connection goes on. That connection may read
    the tables and write rows that point at them (a foreign key's check takes a row lock, which an index build
    allows), but a write of the tables themselves waits for the index being built. finish() waits for the
    build, then adds the unique constraints (on the indexes built) and the foreign keys on the caller's
    connection; a build that failed is told there, and the next finish() builds what it left. A process stopped
    between start and finish leaves the tables without some of them: the seed's database is then dropped and
    made again."""

    def __init__(self, dropped: list):
        self.dropped = dropped
        self._builder: threading.Thread | None = None
        self._failed: BaseException | None = None
        self._built: set[str] = set()  # the indexes built apart (each committed as it is)
        self._analysed = False  # by the build apart, once it built everything

    def build_here(self, *, analyse: bool = True) -> None:
        """What is left to build, on the caller's connection and in its transaction (an index already built
        apart is not built again; a unique constraint then stands on it)."""
        if not self.dropped:
            return
        with connection.cursor() as cursor:
            _check_pending(cursor)
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")  # each index one sort in memory
            for table, indexes, constraints in self.dropped:
                for definition in indexes:
                    if definition not in self._built:
                        cursor.execute(definition)
                for name, definition, index in constraints:
                    cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" UNIQUE USING INDEX "{name}"'
                                   if index in self._built else
                                   f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
                if analyse:
                    cursor.execute(f'ANALYZE "{table}"')
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        self.dropped = []

    def start(self) -> None:
        if not self.dropped:
            return
        if connection.in_atomic_block:  # the load's transaction is a caller's, not committed: no other
            self.build_here()           # connection could see its rows (or build on its tables)
            return
        self._builder = threading.Thread(target=self._build_apart, name="rebuilt-indexes", daemon=True)
        self._builder.start()

    def _build_apart(self) -> None:
        try:
            with connection.cursor() as cursor:  # this thread's own connection, each statement committed alone
                cursor.execute("SET maintenance_work_mem = '256MB'")
                # One core for the build, the other for the caller's work: parallel workers would take it.
                cursor.execute("SET max_parallel_maintenance_workers = 0")
                tables = [table for table, *_ in self.dropped]
                for table in tables:
                    cursor.execute(f'ANALYZE "{table}"')  # the caller's queries meanwhile plan with figures
                # Each index usable by the caller's next query once built; every table's B-trees (a column's
                # order, what the caller's reads filter by) before the trigram and array indexes, slower to build.
                definitions = [d for _, indexes, constraints in self.dropped
                               for d in [*indexes, *(index for _, _, index in constraints if index)]]
                for definition in sorted(definitions, key=lambda d: " USING gin " in d):
                    if definition not in self._built:
                        cursor.execute(definition)
                        self._built.add(definition)
                for table in tables:
                    cursor.execute(f'ANALYZE "{table}"')  # and again, for the expression indexes' figures
            self._analysed = True
        except BaseException as error:  # told by finish(), on the caller's thread
            self._failed = error
        finally:
            connection.close()

    def finish(self) -> None:
        """Whatever is left: the build apart waited for and the constraints added, or (never started, or a
        build apart that failed, told by the finish() before) what is left built here; each time in a
        transaction of its own."""
        if self._builder is not None:
            self._builder.join()
            self._builder = None
            if self._failed is not None:
                failed, self._failed = self._failed, None
                raise failed
        if self.dropped:
            with transaction.atomic():
                self.build_here(analyse=not self._analysed)


def _check_pending(cursor) -> None:
    # A table with foreign-key checks still waiting (rows written earlier in the transaction: Django's keys
    # are deferred) cannot be altered: run them now; SET CONSTRAINTS ALL DEFERRED returns to Django's mode.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _drop(cursor, table: str) -> tuple[list[str], list[tuple[str, str, str | None]]]:
    # Indexes of their own (not the primary key's, not a constraint's): their CREATE statements.
    cursor.execute("""
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
        WHERE i.indrelid = %s::regclass AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
        ORDER BY 1""", [table])
    indexes = cursor.fetchall()
    # Unique constraints no foreign key leans on, and this table's foreign keys.
    cursor.execute("""
        SELECT c.conname, pg_get_constraintdef(c.oid), c.contype,
               CASE WHEN c.contype = 'u' AND NOT c.condeferrable THEN pg_get_indexdef(c.conindid) END
        FROM pg_constraint c
        WHERE c.conrelid = %s::regclass AND (c.contype = 'f' OR (c.contype = 'u' AND NOT EXISTS (
            SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)))
        ORDER BY c.contype DESC, c.conname""", [table])
    constraints = cursor.fetchall()
    for name, *_ in constraints:
        cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    # Unique ones first when rebuilt: a foreign key from elsewhere may need them.
    # (name, definition, the unique index it stands on when it may be built apart); unique ones first.
    return [definition for _, definition in indexes], [(name, definition, index) for name, definition, _, index in
                                                        sorted(constraints, key=lambda c: c[2] != "u")]
