# ServicePoint now lives in residents (residents.0005 took over the elderly_care_servicepoint table as it
# is); the foreign keys here point at the same table, so only Django's state changes.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("elderly_care", "0001_initial"),
        ("residents", "0005_servicepoint_moved_here"),
        ("jiedao", "0007_inbox_and_moves"),  # User.service_point points at residents' model first
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name="careenrolment",
                name="point",
                field=models.ForeignKey(blank=True, help_text="送餐：负责送餐的食堂或助餐点。", null=True,
                                        on_delete=django.db.models.deletion.PROTECT, related_name="enrolments",
                                        to="residents.servicepoint", verbose_name="服务点"),
            ),
            migrations.AlterField(
                model_name="mealdelivery",
                name="point",
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="deliveries",
                                        to="residents.servicepoint", verbose_name="服务点"),
            ),
            migrations.AlterField(
                model_name="meal",
                name="point",
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="meals",
                                        to="residents.servicepoint", verbose_name="服务点"),
            ),
            migrations.DeleteModel(name="ServicePoint"),
        ]),
    ]
