"""Staff phones encrypted at rest, as residents' (jiedao.crypto). Reversible with the key."""

from django.db import migrations, models

import jiedao.crypto
from jiedao.crypto import decrypt_column, encrypt_column


def encrypt(apps, schema_editor):
    db = schema_editor.connection.alias
    encrypt_column(apps.get_model("jiedao", "User"), "phone", using=db)


def decrypt(apps, schema_editor):
    db = schema_editor.connection.alias
    decrypt_column(apps.get_model("jiedao", "User"), "phone", using=db)


class Migration(migrations.Migration):

    dependencies = [
        ('jiedao', '0014_audit_chain'),
    ]

    operations = [
        migrations.AlterField('user', 'phone', models.TextField(blank=True, verbose_name='手机号')),
        migrations.RunPython(encrypt, decrypt),
        migrations.AlterField('user', 'phone', jiedao.crypto.EncryptedCharField(
            blank=True, max_length=20, verbose_name='手机号')),
    ]
