# The inbox (Notification) moves here from visits: every app's reminders go to it. Its table keeps its
# name (visits_notification) and rows; only Django's state moves. The monthly report pack leaves for the
# top app (reports.0001), and User.service_point follows ServicePoint to residents (residents.0005).
# An export job names the list it runs (jiedao.exports.ExportList), no longer a view.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from jiedao.moved_models import move_content_type

# The list views export jobs named before, and the export lists that replace them: a job still queued at
# the upgrade runs the same list afterwards.
LISTS = {
    "residents.views.ResidentListView": "residents.exports.RESIDENTS",
    "visits.views.VisitListView": "visits.exports.VISITS",
    "assistance.views.CaseListView": "assistance.exports.CASES",
    "assistance.views.DisbursementListView": "assistance.exports.DISBURSEMENTS",
    "elderly_care.views.MealListView": "elderly_care.exports.MEALS",
}


def _rename_sources(mapping):
    def run(apps, schema_editor):
        jobs = apps.get_model("jiedao", "ExportJob").objects.using(schema_editor.connection.alias)
        for old, new in mapping.items():
            jobs.filter(source=old).update(source=new)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("jiedao", "0006_monthly_report_made_via"),
        ("residents", "0005_servicepoint_moved_here"),
        ("visits", "0001_initial"),
        ("reports", "0001_initial"),  # takes the pack over before it leaves here
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RenameField(model_name="exportjob", old_name="view", new_name="source"),
        migrations.AlterField(model_name="exportjob", name="source",
                              field=models.CharField(max_length=120, verbose_name="列表定义")),
        migrations.RunPython(_rename_sources(LISTS), _rename_sources({v: k for k, v in LISTS.items()})),
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name="user",
                name="service_point",
                field=models.ForeignKey(blank=True, help_text="服务点工作人员必选。", null=True,
                                        on_delete=django.db.models.deletion.PROTECT, related_name="operators",
                                        to="residents.servicepoint", verbose_name="所在服务点"),
            ),
            migrations.CreateModel(
                name="Notification",
                fields=[
                    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                               verbose_name="ID")),
                    ("kind", models.CharField(choices=[
                        ("due", "今日应访"), ("overdue", "逾期未访"), ("curtain_missed", "窗帘未开"),
                        ("escalation", "逾期上报"), ("case_review", "救助复核")], max_length=20, verbose_name="类型")),
                    ("method", models.CharField(blank=True, max_length=16, verbose_name="方式")),
                    ("due_date", models.DateField(blank=True, null=True, verbose_name="应访日期")),
                    ("message", models.CharField(max_length=300, verbose_name="内容")),
                    ("key", models.CharField(editable=False, max_length=120, unique=True)),
                    ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="时间")),
                    ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="已读时间")),
                    ("delivered_at", models.DateTimeField(blank=True, null=True, verbose_name="推送时间")),
                    ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="推送次数")),
                    ("last_error", models.CharField(blank=True, max_length=200, verbose_name="推送错误")),
                    ("recipient", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                    related_name="notifications", to=settings.AUTH_USER_MODEL,
                                                    verbose_name="接收人")),
                    ("resident", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                                   related_name="+", to="residents.resident", verbose_name="居民")),
                ],
                options={
                    "verbose_name": "提醒",
                    "verbose_name_plural": "提醒",
                    "db_table": "visits_notification",
                    "ordering": ["-created_at", "-id"],
                    "indexes": [
                        models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx"),
                        models.Index(condition=models.Q(("delivered_at__isnull", True)), fields=["id"],
                                     name="notification_undelivered_idx"),
                    ],
                },
            ),
            migrations.DeleteModel(name="MonthlyReport"),
        ]),
        move_content_type("notification", "visits", "jiedao"),
    ]
