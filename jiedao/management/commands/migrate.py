"""`manage.py migrate` as the tables' owner: with DATABASE_OWNER_URL set it runs on the "owner" alias unless
told another with --database, so the web and workers' runtime role (DATABASE_URL) never needs to create or
alter a table (jiedao.dbroles). Django's own command, otherwise unchanged."""

from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import DEFAULT_DB_ALIAS

from jiedao.dbroles import owner_alias


class Command(MigrateCommand):
    def handle(self, *args, **options):
        if options.get("database") == DEFAULT_DB_ALIAS and owner_alias() == "owner":
            options["database"] = "owner"
        return super().handle(*args, **options)
