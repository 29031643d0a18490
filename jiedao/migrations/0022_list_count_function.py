"""jiedao_list_count(query, above): a list's count in one statement, estimated when it is large.

The planner's row estimate of the list's query (EXPLAIN), returned negated when it is over `above` (the
caller shows it as 约 …); otherwise the exact count of the query. One statement either way, so that a list
makes as many queries as it did with COUNT(*). Only jiedao.pagination calls it, with a query Django
compiled and quoted (connection.ops.compose_sql), never text from a request. SECURITY INVOKER (the
default): it reads what the caller may read. Nothing on SQLite, which counts exactly.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION jiedao_list_count(query text, above bigint) RETURNS bigint
LANGUAGE plpgsql AS $$  -- VOLATILE: PostgreSQL runs no EXPLAIN in a STABLE function
DECLARE
    plan json;
    estimate bigint;
    exact bigint;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON) ' || query INTO plan;
    estimate := (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
    IF estimate > above THEN
        RETURN -estimate;
    END IF;
    EXECUTE 'SELECT count(*) FROM (' || query || ') AS listed' INTO exact;
    RETURN exact;
END
$$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS jiedao_list_count(text, bigint)")


class Migration(migrations.Migration):

    dependencies = [
        ("jiedao", "0021_import_runs"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
