"""Writes of the project's own objects: accounts, communities and grids (sub-district admins)."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from residents.models import Community, Grid

from . import audit
from .models import AuditAction, Role, User
from .scope import can_manage_places

ASSIGNABLE_ROLES = [r for r in Role if r != Role.DISTRICT_OFFICER]


def _require_manager(actor) -> None:
    if not can_manage_places(actor):
        raise PermissionDenied("只有街道管理员可以管理账号、社区和网格。")


@transaction.atomic
def user_save(*, actor, user: User, communities, grids, password: str | None = None) -> User:
    """Create or change an account of the actor's sub-district; a new one needs a password."""
    _require_manager(actor)
    creating = user.pk is None
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
    if creating and not password:
        errors["password"] = "请为新账号设置初始密码。"
    if password:
        try:
            validate_password(password, user)
        except ValidationError as e:
            errors["password"] = e.messages
    if errors:
        raise ValidationError(errors)
    user.subdistrict_id = actor.subdistrict_id
    if password:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    user.communities.set(communities)
    user.grids.set(grids)
    audit.record(actor=actor, action=AuditAction.CREATE if creating else AuditAction.UPDATE, target=user,
                 changes={"username": user.username, "role": user.role, "active": user.is_active,
                          "communities": sorted(c.pk for c in communities), "grids": sorted(g.pk for g in grids),
                          "password_set": bool(password)})
    return user


@transaction.atomic
def community_save(*, actor, community: Community) -> Community:
    _require_manager(actor)
    creating = community.pk is None
    community.subdistrict_id = actor.subdistrict_id
    community.full_clean()
    community.save()
    audit.record(actor=actor, action=AuditAction.CREATE if creating else AuditAction.UPDATE, target=community,
                 changes={"name": community.name, "code": community.code})
    return community


@transaction.atomic
def grid_save(*, actor, grid: Grid) -> Grid:
    _require_manager(actor)
    if grid.community.subdistrict_id != actor.subdistrict_id:
        raise ValidationError({"community": "只能选择本街道的社区。"})
    creating = grid.pk is None
    grid.full_clean()
    grid.save()
    audit.record(actor=actor, action=AuditAction.CREATE if creating else AuditAction.UPDATE, target=grid,
                 changes={"name": grid.name, "community": grid.community_id})
    return grid
