"""A count of a place's active residents from one index, and trigram indexes for a search by part of a name (姓名中的字, 拼音片段) on PostgreSQL.

A name search that is not a prefix (name LIKE '%建国%') can use no B-tree: at a million residents it read
the whole table. pg_trgm's GIN index answers it from the index. Nothing happens on SQLite (the tests' and a
laptop's database), whose LIKE has no such index and needs none at that size.

The extension is created by the migration, which `manage.py migrate` runs as the tables' owner
(DATABASE_OWNER_URL, jiedao/management/commands/migrate.py): pg_trgm is a trusted extension, so the
database's owner may create it without being a superuser; the runtime role only uses the indexes.
"""

from django.db import migrations, models

INDEXES = {
    "resident_name_trgm_idx": "name",
    "resident_pinyin_trgm_idx": "name_pinyin",
    "resident_initials_trgm_idx": "name_initials",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "residents_resident" USING gin ("{column}" gin_trgm_ops)')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    # The extension stays: another database object may have come to use it since.


class Migration(migrations.Migration):

    dependencies = [
        ("residents", "0009_phone_rule"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="resident",
            index=models.Index(fields=["community", "status"], name="resident_community_status_idx"),
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
