"""PostgreSQL's JIT off for every connection to this database (benchmarks/dashboard.py: it compiled the
dashboard's aggregates afresh each time, 25–30 ms a query, and gained nothing at a sub-district's size).

Set on the database rather than as the connection option "-c jit=off" it was before, which PgBouncer refuses
(DATABASE_PGBOUNCER). The database's owner may set it; a migrating role that does not own the database sets it
on itself, and `grant_runtime_role` on the runtime role (jiedao.dbroles)."""

from django.db import migrations

JIT_OFF = """
DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    ALTER ROLE CURRENT_USER SET jit = off;
END $$;
SET jit = off;
"""
JIT_DEFAULT = """
DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I RESET jit', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    ALTER ROLE CURRENT_USER RESET jit;
END $$;
"""


def jit_off(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(JIT_OFF)  # no parameters: format()'s %I is PostgreSQL's, not a placeholder


def jit_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(JIT_DEFAULT)


class Migration(migrations.Migration):
    dependencies = [("jiedao", "0021_import_runs")]

    operations = [migrations.RunPython(jit_off, jit_default, elidable=False)]
