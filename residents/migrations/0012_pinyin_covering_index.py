"""A pinyin search counted from one index alone (issue 17); it replaces the plain and the LIKE index of
name_pinyin, whose prefix searches go through the range bound and the trigram index."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('residents', '0011_name_characters_index'),
    ]

    operations = [
        # The covering index first: the list's order is never without an index.
        migrations.AddIndex(
            model_name='resident',
            index=models.Index(fields=['name_pinyin'], include=('name_initials', 'status', 'community'), name='resident_pinyin_covering_idx'),
        ),
        migrations.AlterField(
            model_name='resident',
            name='name_pinyin',
            field=models.CharField(editable=False, max_length=300, verbose_name='姓名全拼'),
        ),
    ]
