# The monthly report pack moves here from the base (it reads across the features). The table
# (jiedao_monthlyreport) and its versions stay as they are; only Django's state moves.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from jiedao.moved_models import move_content_type


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("jiedao", "0006_monthly_report_made_via"),
        ("residents", "0004_care_tier_since"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name="MonthlyReport",
                fields=[
                    ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                               verbose_name="ID")),
                    ("month", models.DateField(help_text="该月 1 日", verbose_name="月份")),
                    ("version", models.PositiveSmallIntegerField(verbose_name="版本")),
                    ("made_at", models.DateTimeField(auto_now_add=True, verbose_name="生成时间")),
                    ("made_via", models.CharField(choices=[("schedule", "定时任务"), ("command", "命令行"),
                                                           ("page", "页面")], default="schedule", max_length=10,
                                                  verbose_name="生成方式")),
                    ("checksum", models.CharField(max_length=64, verbose_name="SHA-256")),
                    ("size", models.PositiveIntegerField(verbose_name="大小（字节）")),
                    ("figures", models.JSONField(default=dict, verbose_name="数据")),
                    ("content", models.BinaryField(verbose_name="文件")),
                    ("made_by", models.ForeignKey(blank=True, help_text="空：定时任务或命令行生成", null=True,
                                                  on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                  to=settings.AUTH_USER_MODEL, verbose_name="生成人")),
                    ("subdistrict", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                                      related_name="monthly_reports", to="residents.subdistrict",
                                                      verbose_name="街道")),
                ],
                options={
                    "verbose_name": "月报",
                    "verbose_name_plural": "月报",
                    "db_table": "jiedao_monthlyreport",
                    "ordering": ["-month", "subdistrict", "-version"],
                    "constraints": [models.UniqueConstraint(fields=("subdistrict", "month", "version"),
                                                            name="monthly_report_version_unique")],
                },
            ),
        ]),
        move_content_type("monthlyreport", "jiedao", "reports"),
    ]
