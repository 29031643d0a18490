"""Writes of the base's own objects: accounts, the security admin's (三员: jiedao.scope)."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from . import audit
from .models import AuditAction, Role, User
from .scope import assignable_roles, crosses_administrators, manages_accounts, may_change_account

NOT_YOURS = "只能修改由您管理的账号；自己的账号由其他安全管理员修改。"


def _require_manager(actor) -> None:
    if not manages_accounts(actor):
        raise PermissionDenied("只有安全管理员可以管理账号、角色和权限范围。")


@transaction.atomic
def user_save(*, actor, user: User, communities, grids, password: str | None = None) -> User:
    """Create or change an account the actor manages (jiedao.scope.may_change_account); a new one needs a
    password. A sub-district's security admin keeps the account in its sub-district with the places its
    role uses; the district's gives district officers no sub-district and a security admin one."""
    _require_manager(actor)
    creating = user._state.adding
    stored = None if creating else User.objects.select_for_update().get(pk=user.pk)
    if stored is not None and not may_change_account(actor, stored):
        # 三员: its own account, a peer's, the operator's: not this security admin's to change.
        raise PermissionDenied(NOT_YOURS)
    district = not actor.subdistrict_id
    errors: dict[str, Any] = {}
    if user.role not in assignable_roles(actor):
        errors["role"] = "不能分配该角色。"
    elif stored is not None and crosses_administrators(stored.role, user.role):
        errors["role"] = "系统管理员、安全管理员和审计员不能互相转换（三员分立），请为其另建账号。"
    if district:
        if user.role == Role.SECURITY_ADMIN and not user.subdistrict_id:
            errors["subdistrict"] = "街道安全管理员须选择所在街道。"
        elif stored is not None and stored.subdistrict_id and user.subdistrict_id != stored.subdistrict_id:
            # Each entry of the log goes to one sub-district's auditor: a move would leave the first one blind.
            errors["subdistrict"] = "安全管理员不能调往其他街道，请为新街道另建账号。"
        communities, grids = [], []
        user.service_point = None
        if user.role == Role.DISTRICT_OFFICER:
            user.subdistrict = None
    else:
        user.subdistrict_id = actor.subdistrict_id
        errors.update(_place_errors(actor, user, communities, grids))
    if creating and not password:
        errors["password"] = "请为新账号设置初始密码。"
    if password:
        try:
            validate_password(password, user)
        except ValidationError as e:
            errors["password"] = e.messages
    if errors:
        raise ValidationError(errors)
    # Only the places a role uses are kept, so the account's scope is exactly what the page shows.
    communities = communities if user.role == Role.COMMUNITY_STAFF else []
    grids = grids if user.role == Role.GRID_WORKER else []
    if user.role != Role.POINT_OPERATOR:
        user.service_point = None
    before = None if stored is None else {**audit.snapshot(stored, USER_FIELDS), **_places(stored)}
    if password:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.communities.set(communities)
    user.grids.set(grids)
    after = {**audit.snapshot(user, USER_FIELDS), **_places(user)}
    if password and before is not None:
        after["password"] = "已重置"
    audit.record_save(actor=actor, obj=user, before=before, after=after)
    return user


def _place_errors(actor, user: User, communities, grids) -> dict[str, str]:
    errors = {}
    if any(c.subdistrict_id != actor.subdistrict_id for c in communities):
        errors["communities"] = "只能选择本街道的社区。"
    if any(g.community.subdistrict_id != actor.subdistrict_id for g in grids):
        errors["grids"] = "只能选择本街道的网格。"
    if user.role == Role.COMMUNITY_STAFF and not communities:
        errors["communities"] = "社区工作人员至少要负责一个社区。"
    if user.role == Role.GRID_WORKER and not grids:
        errors["grids"] = "网格员至少要负责一个网格。"
    if user.role == Role.POINT_OPERATOR and user.service_point_id is None:
        errors["service_point"] = "服务点工作人员须选择所在服务点。"
    if user.service_point_id and user.service_point.subdistrict_id != actor.subdistrict_id:
        errors["service_point"] = "只能选择本街道的服务点。"
    return errors


@transaction.atomic
def user_unlock(*, actor, user: User) -> None:
    """Lift a lockout after too many failed logins (the person rang the office)."""
    from axes.utils import reset

    _require_manager(actor)
    if not may_change_account(actor, user):
        raise PermissionDenied(NOT_YOURS)
    reset(username=user.username)
    audit.record(actor=actor, action=AuditAction.UPDATE, target=user, changes={"unlocked": True})


@transaction.atomic
def security_admin_create(*, username: str, password: str, subdistrict=None, staff: bool = False) -> User:
    """A security admin made by the deployment's operator from the command line: the district's first one
    (no sub-district), who makes the rest in the portal, or a sub-district's. `staff` also lets it into
    Django's admin when that is turned on (jiedao/admin_site.py). Logged, with the command as the actor."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "已有同名账号（不区分大小写）。"})
    user = User(username=username, role=Role.SECURITY_ADMIN, subdistrict=subdistrict, is_staff=staff)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit.record(actor=None, username="manage.py create_security_admin", action=AuditAction.CREATE, target=user,
                 changes={"after": audit.snapshot(user, [*USER_FIELDS, "is_staff"])})
    return user


USER_FIELDS = ["username", "first_name", "role", "subdistrict_id", "phone", "is_active", "service_point_id"]


def _places(user: User) -> dict:
    return {"communities": audit.refs(user.communities.all()), "grids": audit.refs(user.grids.all())}
