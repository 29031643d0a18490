"""The report packs' workbooks sealed at rest (jiedao.crypto), as export files and case scans are.
Reversible with the key."""

from django.db import migrations

import jiedao.crypto
from jiedao.crypto import decrypt_bytes, encrypt_bytes

AAD = "jiedao_monthlyreport.content"  # the table the model kept when it moved here


def _each(apps, change, db):
    # Through the migration's own connection (the owner's: the runtime role's would wait on its locks).
    reports = apps.get_model("reports", "MonthlyReport").objects.using(db)
    for pk in list(reports.values_list("pk", flat=True)):  # one workbook in memory at a time
        content = reports.values_list("content", flat=True).get(pk=pk)
        reports.filter(pk=pk).update(content=change(bytes(content), aad=AAD))


def encrypt(apps, schema_editor):
    _each(apps, encrypt_bytes, schema_editor.connection.alias)


def decrypt(apps, schema_editor):
    _each(apps, decrypt_bytes, schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(encrypt, decrypt),
        migrations.AlterField(
            model_name='monthlyreport',
            name='content',
            field=jiedao.crypto.EncryptedBinaryField(verbose_name='文件'),
        ),
    ]
