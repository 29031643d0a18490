"""PostgreSQL's random_page_cost 1.1 for every connection to this database, as for data on SSD or in memory
(the default, 4, is a spinning disk's). With 4 the planner read a month of visits or meals whole and hashed them
with a few communities' residents rather than asking the residents' own rows (benchmarks/dashboard.py, a
district's dashboard after a resident moved: 90 → 25 ms for the visits' query at a million).

Set as jit is (migration jiedao 0022): on the database by its owner, else on the migrating role, and on the
runtime role by `grant_runtime_role` (jiedao.dbroles); never as a connection option, which PgBouncer refuses."""

from django.db import migrations

SET = """
DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I SET random_page_cost = 1.1', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    ALTER ROLE CURRENT_USER SET random_page_cost = 1.1;
END $$;
SET random_page_cost = 1.1;
"""
RESET = """
DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I RESET random_page_cost', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    ALTER ROLE CURRENT_USER RESET random_page_cost;
END $$;
"""


def run(statement):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(statement)  # no parameters: format()'s %I is PostgreSQL's, not a placeholder
    return apply


class Migration(migrations.Migration):
    dependencies = [("jiedao", "0023_after_count_function_and_jit_off")]

    operations = [migrations.RunPython(run(SET), run(RESET), elidable=False)]
