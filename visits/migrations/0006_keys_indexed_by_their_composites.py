"""A visit's resident and visitor, and a due date's resident, have no index of their own: visit_last_idx,
visit_visitor_idx and due_date_one_per_rule lead with them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('residents', '0014_keys_indexed_by_their_composites'),
        ('visits', '0005_fill_due_dates'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='duedate',
            name='resident',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='due_dates', to='residents.resident', verbose_name='居民'),
        ),
        migrations.AlterField(
            model_name='visit',
            name='resident',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='visits', to='residents.resident', verbose_name='居民'),
        ),
        migrations.AlterField(
            model_name='visit',
            name='visitor',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='visits', to=settings.AUTH_USER_MODEL, verbose_name='走访人'),
        ),
    ]
