"""A tag's resident has no index of its own: resident_tag_unique (resident, tag) leads with it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('residents', '0013_equality_indexes_without_like'),
    ]

    operations = [
        migrations.AlterField(
            model_name='residenttag',
            name='resident',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='tag_links', to='residents.resident'),
        ),
    ]
