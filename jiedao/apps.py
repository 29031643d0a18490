from django.apps import AppConfig


class JiedaoConfig(AppConfig):
    name = "jiedao"
    verbose_name = "平台"

    def ready(self):
        from . import signals  # noqa: F401  (login and failed-login audit)
