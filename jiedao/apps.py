from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


class JiedaoConfig(AppConfig):
    default = True  # the module also holds the admin's config below
    name = "jiedao"
    verbose_name = "平台"

    def ready(self):
        from . import checks, signals  # noqa: F401  (audit settings checks; login and failed-login audit)
        from .dbroles import grant_after_migrate

        post_migrate.connect(grant_after_migrate, sender=self)


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin with the portal's site (jiedao.admin_site): for the security admin alone."""

    default = False  # named in INSTALLED_APPS; "jiedao" itself is JiedaoConfig
    default_site = "jiedao.admin_site.JiedaoAdminSite"
