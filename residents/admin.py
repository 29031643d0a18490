from django.contrib import admin

from .models import Community, Grid, Subdistrict

admin.site.register(Subdistrict)
admin.site.register(Community)
admin.site.register(Grid)
