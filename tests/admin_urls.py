"""The portal's URLs with Django's admin mounted, as DJANGO_ADMIN_ENABLED=1 gives them (jiedao/urls.py reads the
setting once, at import): for the tests of the admin, `@pytest.mark.urls("tests.admin_urls")`."""

from django.contrib import admin
from django.urls import path

from jiedao.urls import handler403  # noqa: F401  (handler403: the portal's 403 page)
from jiedao.urls import urlpatterns as portal

urlpatterns = [*portal, path("django-admin/", admin.site.urls)]
