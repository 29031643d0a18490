# Each reminder carries the page where it is acted on, written by the app that raised it, so the inbox
# needs to know no app's pages. Reminders already in inboxes get the link the inbox used to build.

from django.db import migrations, models
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Coalesce, Concat, NullIf


def fill_links(apps, schema_editor):
    # The pages as they were when this ran (a migration keeps its own history, not today's URLs).
    notifications = apps.get_model("jiedao", "Notification").objects.using(schema_editor.connection.alias)
    # Visit reminders in one statement, however full the inboxes are.
    notifications.filter(link="", resident__isnull=False).exclude(kind="case_review").update(link=Concat(
        Value("/visits/new/"), Cast("resident_id", CharField()), Value("/?method="),
        Coalesce(NullIf("method", Value("")), Value("home")), output_field=CharField()))
    # Case reviews, one per case and due date: the case is named in the key (review:<case>:<due>:<user>).
    reviews = notifications.filter(link="", kind="case_review", key__startswith="review:")
    for pk, key in reviews.values_list("pk", "key"):
        notifications.filter(pk=pk).update(link=f"/assistance/{key.split(':')[1]}/")


class Migration(migrations.Migration):

    dependencies = [
        ("jiedao", "0007_inbox_and_moves"),
    ]

    operations = [
        migrations.AddField(model_name="notification", name="link",
                            field=models.CharField(blank=True, max_length=200, verbose_name="处理链接")),
        migrations.RunPython(fill_links, migrations.RunPython.noop),
    ]
