"""The Django admin's site: off unless DJANGO_ADMIN_ENABLED (jiedao/urls.py mounts it), and then only for
the security admin.

Who enters: an active account with `is_staff` and the security role (jiedao.scope.manages_accounts). The
role decides, not `is_superuser`: Django says yes to every permission of a superuser, so the flag alone
(`createsuperuser`) would hand the deployment's operator every model here; without the role it opens
nothing, in the admin as in the portal (a superuser holds no business role, so every visible_to gives it
nothing). `is_staff` keeps Django's meaning, a second switch the operator sets: the security admin works in
the portal and enters Django's admin only when also made staff. Nothing registered here holds personal
data (places and settings only); accounts are read-only here, changed in the portal through
jiedao.services.user_save, where the 三员 rules live; the audit log is the auditor's and is not shown.
"""

from django.contrib import admin

from .scope import manages_accounts


class JiedaoAdminSite(admin.AdminSite):
    site_header = "街道民政服务平台 · 系统配置"

    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and user.is_staff and manages_accounts(user))
