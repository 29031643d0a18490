from django.db import migrations

# On PostgreSQL the database itself refuses to change or delete an audit entry, whoever asks
# (Django's admin, a shell, raw SQL from the application's own account).
FORWARD = """
CREATE OR REPLACE FUNCTION jiedao_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER jiedao_auditentry_append_only
    BEFORE UPDATE OR DELETE ON jiedao_auditentry
    FOR EACH ROW EXECUTE FUNCTION jiedao_audit_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS jiedao_auditentry_append_only ON jiedao_auditentry;
DROP FUNCTION IF EXISTS jiedao_audit_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("jiedao", "0002_initial")]
    operations = [migrations.RunPython(forward, backward)]
