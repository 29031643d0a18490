from django.apps import AppConfig


class ElderlyCareConfig(AppConfig):
    name = "elderly_care"
    verbose_name = "养老服务"

    def ready(self):
        from . import signals  # noqa: F401  (a first meal point gets default prices)
