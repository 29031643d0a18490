from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class JiedaoConfig(AppConfig):
    default = True  # the module also holds the admin's config below
    name = "jiedao"
    verbose_name = "平台"

    def ready(self):
        from . import signals  # noqa: F401  (login and failed-login audit)


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin with the portal's site (jiedao.admin_site): for the security admin alone."""

    default = False  # named in INSTALLED_APPS; "jiedao" itself is JiedaoConfig
    default_site = "jiedao.admin_site.JiedaoAdminSite"
