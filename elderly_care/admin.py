"""Django's admin, for the deployment's operator: the settings only (the business data is the portal's,
behind its scope); every change logged, nothing deleted (jiedao.admin.AuditedAdmin)."""

from django.contrib import admin

from jiedao.admin import AuditedAdmin

from .models import MealPrice, PriceRule

admin.site.register(MealPrice, AuditedAdmin)
admin.site.register(PriceRule, AuditedAdmin)
