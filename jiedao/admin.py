"""Django's admin, for the operator of the deployment; day-to-day work happens in the portal."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AuditEntry, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "role", "subdistrict", "is_active"]
    list_filter = ["role", "subdistrict", "is_active"]
    fieldsets = BaseUserAdmin.fieldsets + (("岗位与范围", {"fields": ["role", "subdistrict", "communities", "grids",
                                                                      "phone"]}),)
    filter_horizontal = ["communities", "grids", "groups", "user_permissions"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: no one edits or deletes the log, superusers included (三权分立)."""

    list_display = ["at", "actor_username", "action", "target_type", "target_id", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_username", "target_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
