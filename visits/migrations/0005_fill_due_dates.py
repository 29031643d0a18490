"""Fills the stored next-due dates of the residents already registered (0004 made the table empty, and an
empty table means nothing is due: every grid worker's day would be blank until someone ran
`manage.py refill_due_dates`). A new database has no residents and does nothing here.

The fill is the running code's (visits.services.due_dates_refill, the one definition of due), imported
only when there is something to fill, so that a fresh install never runs it against older tables; it runs
on the migration's own connection (the tables' owner, DATABASE_OWNER_URL), inside its transaction: the
runtime role gets its rights on the new table only after the migrate (jiedao.dbroles)."""

from django.db import migrations


def fill(apps, schema_editor):
    if not apps.get_model("residents", "Resident").objects.using(schema_editor.connection.alias).exists():
        return
    from jiedao.routers import on_database
    from visits.services import due_dates_refill

    with on_database(schema_editor.connection.alias):
        due_dates_refill()


class Migration(migrations.Migration):
    dependencies = [("visits", "0004_due_dates")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
