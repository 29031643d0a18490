"""The API's one permission class (DEFAULT_PERMISSION_CLASSES). A module of its own: DRF imports the
default permission classes while it loads its views, so this one imports nothing that imports those."""

from rest_framework import permissions

from .scope import keeps_accounts_only


class RoleAllowed(permissions.BasePermission):
    """The one role check of the API (the default permission class), as pages have RoleRequiredMixin.

    A view says who may use it with `allowed(user)` and who may write through it with `may_write(user)`,
    each a jiedao.scope predicate; a view without one lets every signed-in user through, and its
    queryset's visible_to still decides what each sees. A write to one object is refused only after the
    object was found in the caller's scope, so outside it the answer is 404, not 403.
    """

    message = "您的角色不能进行此操作。"

    def has_permission(self, request, view):
        # One instance per request (DRF), so the view's own wording can be set here.
        self.message = getattr(view, "denied_message", RoleAllowed.message)
        user = request.user
        if not (user and user.is_authenticated):
            return False
        allowed = getattr(view, "allowed", None)
        if allowed is not None and not allowed(user):
            return False
        # 三员: the security admin keeps the accounts and sees no business, not even an empty list (403).
        if keeps_accounts_only(user) and not getattr(view, "for_account_keepers", False):
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True
        return _may_write(view, user)

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or _may_write(view, request.user)


def _may_write(view, user) -> bool:
    may_write = getattr(view, "may_write", None)
    return may_write is None or may_write(user)
