# The approved amount, voiding and the month a payment is for (the schema only; 0003 fills them in, 0004
# adds the constraints once the data meets them: each its own transaction on PostgreSQL).

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('assistance', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='case',
            name='approved_amount',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=10, null=True, validators=[django.core.validators.MinValueValidator(Decimal('0.01')), django.core.validators.MaxValueValidator(Decimal('1000000.00'))], verbose_name='批准金额（元）'),
        ),
        migrations.AddField(
            model_name='disbursement',
            name='period_month',
            field=models.DateField(blank=True, editable=False, null=True, verbose_name='所属月份'),
        ),
        migrations.AddField(
            model_name='disbursement',
            name='replaces',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='corrections', to='assistance.disbursement', verbose_name='更正的原记录'),
        ),
        migrations.AddField(
            model_name='disbursement',
            name='void_reason',
            field=models.CharField(blank=True, max_length=200, verbose_name='作废原因'),
        ),
        migrations.AddField(
            model_name='disbursement',
            name='voided_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='作废时间'),
        ),
        migrations.AddField(
            model_name='disbursement',
            name='voided_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='作废人'),
        ),
        migrations.AlterField(
            model_name='disbursement',
            name='amount',
            field=models.DecimalField(decimal_places=2, max_digits=10, validators=[django.core.validators.MinValueValidator(Decimal('0.01')), django.core.validators.MaxValueValidator(Decimal('1000000.00'))], verbose_name='金额（元）'),
        ),
    ]
