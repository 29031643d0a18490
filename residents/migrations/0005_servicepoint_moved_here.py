# ServicePoint moves here from elderly_care: every feature hangs its services off a point. The table
# (elderly_care_servicepoint) and its rows stay where they are; only Django's state moves.

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

from jiedao.moved_models import move_content_type


class Migration(migrations.Migration):

    dependencies = [
        ("residents", "0004_care_tier_since"),
        ("elderly_care", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ServicePoint",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("kind", models.CharField(choices=[
                            ("canteen", "老年食堂"), ("meal_point", "助餐点"), ("happiness_station", "幸福驿站"),
                            ("elderly_center", "养老服务中心"), ("parent_child_hut", "亲子小屋"),
                            ("disabled_home", "残疾人之家"), ("employment_station", "就业服务站")],
                            db_index=True, max_length=24, verbose_name="类型")),
                        ("name", models.CharField(max_length=60, verbose_name="名称")),
                        ("address", models.CharField(blank=True, max_length=200, verbose_name="地址")),
                        ("opening_hours", models.CharField(blank=True, help_text="如：周一至周五 11:00–13:00",
                                                           max_length=100, verbose_name="开放时间")),
                        ("capacity", models.PositiveIntegerField(blank=True, null=True, validators=[
                            django.core.validators.MaxValueValidator(100000, "容纳人数过大。")], verbose_name="容纳人数")),
                        ("contact_name", models.CharField(blank=True, max_length=30, verbose_name="联系人")),
                        ("contact_phone", models.CharField(blank=True, max_length=20, validators=[
                            django.core.validators.RegexValidator("^[0-9+\\- ]{3,20}$",
                                                                  "电话只能包含数字、空格、+ 和 -，3 到 20 位。")],
                            verbose_name="联系电话")),
                        ("rooms", models.CharField(blank=True, help_text="用顿号或逗号分隔，如：助餐厅、康复室、阅览室",
                                                   max_length=300, verbose_name="功能室")),
                        ("active", models.BooleanField(db_index=True, default=True, verbose_name="启用")),
                        ("community", models.ForeignKey(blank=True, help_text="街道直属的服务点可留空。", null=True,
                                                        on_delete=django.db.models.deletion.PROTECT,
                                                        related_name="service_points", to="residents.community",
                                                        verbose_name="社区")),
                        ("subdistrict", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                                          related_name="service_points", to="residents.subdistrict",
                                                          verbose_name="街道")),
                    ],
                    options={
                        "verbose_name": "服务点",
                        "verbose_name_plural": "服务点",
                        "db_table": "elderly_care_servicepoint",
                        "ordering": ["subdistrict_id", "kind", "name"],
                        "constraints": [models.UniqueConstraint(fields=("subdistrict", "name"),
                                                                name="service_point_name_unique",
                                                                violation_error_message="本街道已有同名服务点。")],
                    },
                ),
            ],
        ),
        move_content_type("servicepoint", "elderly_care", "residents"),
    ]
