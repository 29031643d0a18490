from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The top app: what reads across the features (home page, dashboard, monthly pack, a resident's
    benefits, the figure cache). Nothing imports it; it hears of changed rows through signals."""

    name = "reports"
    verbose_name = "统计与报表"

    def ready(self):
        from . import signals  # noqa: F401  (connects the figure cache to the tables it reads)
