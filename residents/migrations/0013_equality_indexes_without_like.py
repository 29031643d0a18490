"""The resident's columns compared only for equality (the keyed indexes of a last four and a phone, and four
choices) keep a plain index each and lose the varchar_pattern_ops twin db_index adds on PostgreSQL for
LIKE 'x%', which nothing asks of them (seven indexes every write kept). Elsewhere the same as before."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('residents', '0012_pinyin_covering_index'),
    ]

    operations = [
        migrations.AlterField(
            model_name='resident',
            name='care_tier',
            field=models.CharField(choices=[('none', '无'), ('key', '重点关爱'), ('regular', '常规关爱'), ('general', '一般关爱')], default='none', max_length=12, verbose_name='关爱等级'),
        ),
        migrations.AlterField(
            model_name='resident',
            name='gender',
            field=models.CharField(choices=[('M', '男'), ('F', '女')], editable=False, max_length=1, verbose_name='性别'),
        ),
        migrations.AlterField(
            model_name='resident',
            name='id_last4_index',
            field=models.CharField(editable=False, max_length=64, verbose_name='身份证后四位索引'),
        ),
        migrations.AlterField(
            model_name='resident',
            name='phone_index',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='电话索引'),
        ),
        migrations.AlterField(
            model_name='resident',
            name='phone_last4_index',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='电话后四位索引'),
        ),
        migrations.AlterField(
            model_name='resident',
            name='residence_type',
            field=models.CharField(choices=[('registered', '户籍'), ('permanent', '常住'), ('floating', '流动')], default='registered', max_length=12, verbose_name='居住类型'),
        ),
        migrations.AlterField(
            model_name='resident',
            name='status',
            field=models.CharField(choices=[('active', '在册'), ('moved_out', '迁出'), ('deceased', '去世')], default='active', max_length=12, verbose_name='状态'),
        ),
        migrations.AddIndex(
            model_name='resident',
            index=models.Index(fields=['id_last4_index'], name='resident_id_last4_idx'),
        ),
        migrations.AddIndex(
            model_name='resident',
            index=models.Index(fields=['phone_index'], name='resident_phone_idx'),
        ),
        migrations.AddIndex(
            model_name='resident',
            index=models.Index(fields=['phone_last4_index'], name='resident_phone_last4_idx'),
        ),
        migrations.AddIndex(
            model_name='resident',
            index=models.Index(fields=['gender'], name='resident_gender_idx'),
        ),
        migrations.AddIndex(
            model_name='resident',
            index=models.Index(fields=['residence_type'], name='resident_residence_type_idx'),
        ),
        migrations.AddIndex(
            model_name='resident',
            index=models.Index(fields=['care_tier'], name='resident_care_tier_idx'),
        ),
        migrations.AddIndex(
            model_name='resident',
            index=models.Index(fields=['status'], name='resident_status_idx'),
        ),
    ]
