"""Django's admin, for the operator of the deployment; day-to-day work happens in the portal."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import audit
from .forms import AdminLoginForm
from .models import AuditAction, AuditEntry, User

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
    list_display = ["username", "first_name", "role", "subdistrict", "is_active"]
    list_filter = ["role", "subdistrict", "is_active"]
    fieldsets = BaseUserAdmin.fieldsets + (("岗位与范围", {"fields": ["role", "subdistrict", "communities", "grids",
                                                                      "phone"]}),)
    filter_horizontal = ["communities", "grids", "groups", "user_permissions"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.must_change_password = True  # the operator chose it: its holder sets their own at first login
        super().save_model(request, obj, form, change)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:  # the form was accepted
            user = self.get_object(request, id)
            # Someone else's: they change it at their next login; the operator's own: it is theirs now.
            User.objects.filter(pk=user.pk).update(must_change_password=user.pk != request.user.pk)
            audit.record(actor=request.user, action=AuditAction.UPDATE, target=user,
                         changes={"via": "django_admin", "password": "已重置"})
        return response


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
