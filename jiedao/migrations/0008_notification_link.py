# Each reminder carries the page where it is acted on, written by the app that raised it, so the inbox
# needs to know no app's pages. Reminders already in inboxes get the link the inbox used to build.

from django.db import migrations, models


def fill_links(apps, schema_editor):
    Notification = apps.get_model("jiedao", "Notification")
    for pk, kind, key, resident_id, method in (Notification.objects.using(schema_editor.connection.alias)
                                               .filter(link="").values_list("pk", "kind", "key", "resident_id",
                                                                            "method").iterator()):
        if kind == "case_review" and key.startswith("review:"):
            link = f"/assistance/{key.split(':')[1]}/"  # review:<case>:<due>:<recipient>
        elif resident_id:
            link = f"/visits/new/{resident_id}/?method={method or 'home'}"
        else:
            continue
        Notification.objects.using(schema_editor.connection.alias).filter(pk=pk).update(link=link)


class Migration(migrations.Migration):

    dependencies = [
        ("jiedao", "0007_inbox_and_moves"),
    ]

    operations = [
        migrations.AddField(model_name="notification", name="link",
                            field=models.CharField(blank=True, max_length=200, verbose_name="处理链接")),
        migrations.RunPython(fill_links, migrations.RunPython.noop),
    ]
