"""Writes of the base's own objects: accounts (the sub-district admin's, for now)."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from . import audit
from .models import AuditAction, Role, User
from .scope import admin_may_change, can_manage_places

# Not district officers (above the sub-district) nor auditors (三权分立: the operator of the deployment
# creates those in Django's admin, so that the admin never holds an auditor's password).
ASSIGNABLE_ROLES = [r for r in Role if r not in (Role.DISTRICT_OFFICER, Role.AUDITOR)]


def _require_manager(actor) -> None:
    if not can_manage_places(actor):
        raise PermissionDenied("只有街道管理员可以管理账号、社区和网格。")  # the same words as residents' places


@transaction.atomic
def user_save(*, actor, user: User, communities, grids, password: str | None = None) -> User:
    """Create or change an account of the actor's sub-district; a new one needs a password."""
    _require_manager(actor)
    creating = user._state.adding
    errors: dict[str, Any] = {}
    if user.role not in ASSIGNABLE_ROLES:
        errors["role"] = "不能分配该角色。"
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
    stored = None if creating else User.objects.get(pk=user.pk)
    if stored is not None and not admin_may_change(stored):
        # 三权分立: the admin does not hold the keys to the auditor's (or the operator's) account.
        raise PermissionDenied("街道管理员不能修改审计员或系统管理员账号。")
    before = None if stored is None else {**audit.snapshot(stored, USER_FIELDS), **_places(stored)}
    user.subdistrict_id = actor.subdistrict_id
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


@transaction.atomic
def user_unlock(*, actor, user: User) -> None:
    """Lift a lockout after too many failed logins (the person rang the office)."""
    from axes.utils import reset

    _require_manager(actor)
    if user.subdistrict_id != actor.subdistrict_id or user.is_superuser:
        raise PermissionDenied("只能解锁本街道的账号。")
    reset(username=user.username)
    audit.record(actor=actor, action=AuditAction.UPDATE, target=user, changes={"unlocked": True})


USER_FIELDS = ["username", "first_name", "role", "phone", "is_active", "service_point_id"]


def _places(user: User) -> dict:
    return {"communities": audit.refs(user.communities.all()), "grids": audit.refs(user.grids.all())}
