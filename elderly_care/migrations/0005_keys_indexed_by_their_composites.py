"""A meal's point and resident have no index of their own: meal_point_day_idx and meal_once_per_resident lead
with them (an index fewer for every check-in to keep)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('elderly_care', '0004_encrypt_guest_numbers'),
        ('residents', '0014_keys_indexed_by_their_composites'),
    ]

    operations = [
        migrations.AlterField(
            model_name='meal',
            name='point',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='meals', to='residents.servicepoint', verbose_name='服务点'),
        ),
        migrations.AlterField(
            model_name='meal',
            name='resident',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='meals', to='residents.resident', verbose_name='居民'),
        ),
    ]
