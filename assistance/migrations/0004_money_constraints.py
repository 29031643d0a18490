# One live payment per one-off case and per month of a monthly case, and a void always with its reason:
# partial unique indexes and a check, the same on SQLite and PostgreSQL (0003 made the data meet them).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assistance', '0003_money_backfill'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='disbursement',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('void_reason', ''), ('voided_at__isnull', True), ('voided_by__isnull', True)), models.Q(('voided_at__isnull', False), models.Q(('void_reason', ''), _negated=True)), _connector='OR'), name='disbursement_void_has_reason', violation_error_message='作废须有时间和原因。'),
        ),
        migrations.AddConstraint(
            model_name='disbursement',
            constraint=models.UniqueConstraint(condition=models.Q(('period_month__isnull', True), ('voided_at__isnull', True)), fields=('case',), name='disbursement_one_live_per_one_off_case', violation_error_message='一次性救助只能有一笔有效发放。'),
        ),
        migrations.AddConstraint(
            model_name='disbursement',
            constraint=models.UniqueConstraint(condition=models.Q(('period_month__isnull', False), ('voided_at__isnull', True)), fields=('case', 'period_month'), name='disbursement_one_live_per_month', violation_error_message='同一所属月份只能有一笔有效发放。'),
        ),
    ]
