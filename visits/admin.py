"""Django's admin, for the deployment's operator: the settings only (the business data is the portal's,
behind its scope); every change logged, nothing deleted (jiedao.admin.AuditedAdmin)."""

from django.contrib import admin

from jiedao.admin import AuditedAdmin

from .models import VisitRule

admin.site.register(VisitRule, AuditedAdmin)
