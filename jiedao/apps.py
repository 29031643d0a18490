from django.apps import AppConfig
from django.db.models.signals import post_migrate


class JiedaoConfig(AppConfig):
    name = "jiedao"
    verbose_name = "平台"

    def ready(self):
        from . import checks, signals  # noqa: F401  (audit settings checks; login and failed-login audit)
        from .dbroles import grant_after_migrate

        post_migrate.connect(grant_after_migrate, sender=self)
