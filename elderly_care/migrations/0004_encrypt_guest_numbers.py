"""Guests' ID numbers encrypted at rest, as residents' (jiedao.crypto); the once-a-meal rule and the count of
distinct guests use the keyed index. Reversible with the key."""

import jiedao.crypto
from django.conf import settings
from django.db import migrations, models

from jiedao.crypto import decrypt_column, encrypt_column


def encrypt(apps, schema_editor):
    db = schema_editor.connection.alias
    encrypt_column(apps.get_model("elderly_care", "Meal"), "guest_id_number", indexes={"guest_id_index": "whole"},
                   using=db)


def decrypt(apps, schema_editor):
    db = schema_editor.connection.alias
    decrypt_column(apps.get_model("elderly_care", "Meal"), "guest_id_number", using=db)


class Migration(migrations.Migration):

    dependencies = [
        ('elderly_care', '0003_price_rule_percent_message'),
        ('residents', '0008_encrypt_numbers'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='meal',
            name='meal_once_per_guest',
        ),
        migrations.AddField(
            model_name='meal',
            name='guest_id_index',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='来宾身份证号索引'),
        ),
        migrations.AlterField('meal', 'guest_id_number', models.TextField(blank=True, verbose_name='来宾身份证号')),
        migrations.RunPython(encrypt, decrypt),
        migrations.AlterField(
            model_name='meal',
            name='guest_id_number',
            field=jiedao.crypto.EncryptedCharField(blank=True, blind_index='guest_id_index', max_length=18, verbose_name='来宾身份证号'),
        ),
        migrations.AddConstraint(
            model_name='meal',
            constraint=models.UniqueConstraint(condition=models.Q(('resident__isnull', True)), fields=('guest_id_index', 'date', 'meal'), name='meal_once_per_guest'),
        ),
    ]
