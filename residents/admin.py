from django.contrib import admin

from jiedao.admin import AuditedAdmin

from .models import Community, Grid, ServicePoint, Subdistrict

admin.site.register(Subdistrict, AuditedAdmin)
admin.site.register(Community, AuditedAdmin)
admin.site.register(Grid, AuditedAdmin)
admin.site.register(ServicePoint, AuditedAdmin)
