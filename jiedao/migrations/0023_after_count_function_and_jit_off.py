"""Joins the two migrations numbered 0022, written side by side: the lists' count function and jit off on
the database. Neither depends on the other; there is nothing to do but order them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("jiedao", "0022_jit_off_on_database"),
        ("jiedao", "0022_list_count_function"),
    ]

    operations = []
