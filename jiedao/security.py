from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_production_secret() -> None:
    """The web server, with DEBUG off, must have its own SECRET_KEY (sessions and CSRF depend on it)."""
    if not settings.DEBUG and settings.SECRET_KEY == settings.INSECURE_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")


def require_field_key() -> None:
    """The web server and the Celery worker, with DEBUG off, must have their own FIELD_ENCRYPTION_KEY: they
    write ID numbers, phones and files, which the development key would protect from no one. (With SECURE
    on, the settings already refuse to load without one, for every process.)"""
    if not settings.DEBUG and settings.FIELD_ENCRYPTION_KEY == settings.DEV_FIELD_KEY:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set when DEBUG is off.")


class NoStoreMiddleware:
    """Every page and API answer the app itself writes may carry personal data: no browser, proxy or shared
    office computer keeps a copy (`Cache-Control: no-store`). Static files never reach here (WhiteNoise,
    above, answers them with their own long caching)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["Cache-Control"] = "no-store, private"
        return response
