from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_production_secret() -> None:
    """The web server, with DEBUG off, must have its own SECRET_KEY (sessions and CSRF depend on it)."""
    if not settings.DEBUG and settings.SECRET_KEY == settings.INSECURE_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
