"""For migrations that move a model to another app with its table kept (SeparateDatabaseAndState): its
content type is renamed too, so its permissions and Django-admin log entries follow it."""

from django.db import migrations


def move_content_type(model: str, old_app: str, new_app: str) -> migrations.RunPython:
    def forward(apps, schema_editor):
        content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
        if not content_types.filter(app_label=new_app, model=model).exists():
            content_types.filter(app_label=old_app, model=model).update(app_label=new_app)

    def backward(apps, schema_editor):
        content_types = apps.get_model("contenttypes", "ContentType").objects.using(schema_editor.connection.alias)
        if not content_types.filter(app_label=old_app, model=model).exists():
            content_types.filter(app_label=new_app, model=model).update(app_label=old_app)

    return migrations.RunPython(forward, backward, elidable=False)
