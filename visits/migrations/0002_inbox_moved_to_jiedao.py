# The inbox now belongs to the base (jiedao.0007 took over the visits_notification table as it is).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("visits", "0001_initial"),
        ("jiedao", "0007_inbox_and_moves"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Notification")]),
    ]
