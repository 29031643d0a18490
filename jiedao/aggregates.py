"""Values of many rows joined into one column, for a row that carries the ids or codes of its related rows in
its own query (a resident's tags on a list row, an account's places as it is signed in) instead of a second query
and an object per related row."""

from django.db.models import Aggregate, CharField


class Joined(Aggregate):
    """The values joined by commas, in no particular order: string_agg on PostgreSQL, group_concat on SQLite
    (Django 6 has StringAgg in core for both; 5.2 only in contrib.postgres). PostgreSQL joins text only: cast
    a number first."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, ',')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def joined_ids(value: str | None) -> list[int]:
    """A Joined column of ids as the ids (NULL, for no related row at all, as none)."""
    return sorted({int(part) for part in value.split(",")}) if value else []
