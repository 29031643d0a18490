"""Django's admin, when turned on (DJANGO_ADMIN_ENABLED), for the security admin alone (jiedao/admin_site.py);
day-to-day work happens in the portal."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import audit
from .forms import AdminLoginForm
from .models import AuditAction, AuditEntry, User
from .scope import accounts_filter, manages_accounts

admin.site.login_form = AdminLoginForm  # a name too long for any account: a message, not a 500


class AuditedAdmin(admin.ModelAdmin):
    """Changes made in Django's admin are logged like the portal's; nothing is deleted here."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        fields = [f for f in form.changed_data if f not in ("password", "password1", "password2")]
        changes = {f: [str(form.initial.get(f, "")), str(form.cleaned_data.get(f, ""))] for f in fields}
        audit.record(actor=request.user, action=AuditAction.UPDATE if change else AuditAction.CREATE, target=obj,
                     changes={"via": "django_admin", **changes})

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    """Accounts read only: they change in the portal, through jiedao.services.user_save, where the 三员
    rules (who hands out which role, never to oneself) live once. Only those the security admin manages."""

    list_display = ["username", "first_name", "role", "subdistrict", "is_active"]
    list_filter = ["role", "subdistrict", "is_active"]
    fieldsets = BaseUserAdmin.fieldsets + (("岗位与范围", {"fields": ["role", "subdistrict", "communities", "grids",
                                                                      "phone"]}),)
    filter_horizontal = ["communities", "grids", "groups", "user_permissions"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(accounts_filter(request.user))

    def has_view_permission(self, request, obj=None):
        return manages_accounts(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the password form too: a reset is the portal's, audited there


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: no one edits or deletes the log, superusers included; and the log is the auditor's, who reads
    it in the portal: the security admin, the only one let in here, does not read it here (三员)."""

    list_display = ["at", "actor_username", "action", "target_type", "target_id", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_username", "target_id"]

    def has_module_permission(self, request):
        return False

    def has_view_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
