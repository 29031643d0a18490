"""ID numbers and phones encrypted at rest, found by keyed indexes (jiedao.crypto).

Reversible with the key: going back decrypts every value and puts the clear last four back. Needs
FIELD_ENCRYPTION_KEY set as for running the portal (the rows are encrypted under it).
"""

import django.core.validators
import jiedao.crypto
from django.db import migrations, models

from jiedao.crypto import decrypt_column, encrypt_column

NUMBER_INDEXES = {"id_number_index": "whole", "id_last4_index": "last4"}
PHONE_INDEXES = {"phone_index": "whole", "phone_last4_index": "last4"}


def encrypt(apps, schema_editor):
    db = schema_editor.connection.alias
    Resident = apps.get_model("residents", "Resident")
    encrypt_column(Resident, "id_number", indexes=NUMBER_INDEXES, using=db)
    encrypt_column(Resident, "phone", indexes=PHONE_INDEXES, using=db)
    encrypt_column(apps.get_model("residents", "ServicePoint"), "contact_phone", using=db)


def decrypt(apps, schema_editor):
    db = schema_editor.connection.alias
    Resident = apps.get_model("residents", "Resident")
    decrypt_column(Resident, "id_number", using=db)
    decrypt_column(Resident, "phone", using=db)
    decrypt_column(apps.get_model("residents", "ServicePoint"), "contact_phone", using=db)
    Resident.objects.using(db).update(id_last4=models.functions.Right("id_number", 4))


def text(verbose_name, **kwargs):
    return models.TextField(verbose_name=verbose_name, **kwargs)


class Migration(migrations.Migration):

    dependencies = [
        ('residents', '0007_names_and_address_parts'),
    ]

    operations = [
        migrations.AddField('resident', 'id_number_index', models.CharField(
            editable=False, max_length=64, null=True, verbose_name='身份证号索引')),
        migrations.AddField('resident', 'id_last4_index', models.CharField(
            default='', editable=False, max_length=64, verbose_name='身份证后四位索引'), preserve_default=False),
        migrations.AddField('resident', 'phone_index', models.CharField(
            blank=True, default='', editable=False, max_length=64, verbose_name='电话索引')),
        migrations.AddField('resident', 'phone_last4_index', models.CharField(
            blank=True, default='', editable=False, max_length=64, verbose_name='电话后四位索引')),
        # Text columns while the values change from clear to sealed (longer, base64).
        migrations.AlterField('resident', 'id_number', text('身份证号')),
        migrations.AlterField('resident', 'phone', text('联系电话', blank=True)),
        migrations.AlterField('servicepoint', 'contact_phone', text('联系电话', blank=True)),
        migrations.RunPython(encrypt, decrypt),
        # A default first, so that going back re-adds the column to rows that have one (then filled above).
        migrations.AlterField('resident', 'id_last4', models.CharField(
            db_index=True, default='', editable=False, max_length=4, verbose_name='身份证后四位')),
        migrations.RemoveField('resident', 'id_last4'),
        migrations.AlterField('resident', 'id_number', jiedao.crypto.EncryptedCharField(
            blind_index='id_number_index', last4_index='id_last4_index', max_length=18, verbose_name='身份证号')),
        migrations.AlterField('resident', 'phone', jiedao.crypto.EncryptedCharField(
            blank=True, blind_index='phone_index', last4_index='phone_last4_index', max_length=20,
            validators=[django.core.validators.RegexValidator('^[0-9+\\- ]{3,20}$', '电话只能包含数字、空格、+ 和 -，3 到 20 位。')],
            verbose_name='联系电话')),
        migrations.AlterField('servicepoint', 'contact_phone', jiedao.crypto.EncryptedCharField(
            blank=True, max_length=20,
            validators=[django.core.validators.RegexValidator('^[0-9+\\- ]{3,20}$', '电话只能包含数字、空格、+ 和 -，3 到 20 位。')],
            verbose_name='联系电话')),
        migrations.AlterField('resident', 'id_number_index', models.CharField(
            editable=False, max_length=64, unique=True, verbose_name='身份证号索引')),
        migrations.AlterField('resident', 'id_last4_index', models.CharField(
            db_index=True, editable=False, max_length=64, verbose_name='身份证后四位索引')),
        migrations.AlterField('resident', 'phone_index', models.CharField(
            blank=True, db_index=True, editable=False, max_length=64, verbose_name='电话索引')),
        migrations.AlterField('resident', 'phone_last4_index', models.CharField(
            blank=True, db_index=True, editable=False, max_length=64, verbose_name='电话后四位索引')),
    ]
