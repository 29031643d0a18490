from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = "走访探访"

    def ready(self):
        from . import signals  # noqa: F401  (connects the pairing-visit receiver)
