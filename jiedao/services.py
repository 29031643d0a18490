"""Writes of the base's own objects: accounts (the sub-district admin's, for now), the second factor, API
tokens."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit, otp
from .authentication import new_token_key, token_hash
from .models import ApiToken, AuditAction, Role, User
from .scope import admin_may_change, can_manage_places, manages_accounts

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
    return {"communities": sorted(user.communities.values_list("pk", flat=True)),
            "grids": sorted(user.grids.values_list("pk", flat=True))}


# The second factor and API tokens ------------------------------------------------------------------------

@transaction.atomic
def device_start(*, user: User) -> TOTPDevice:
    """The account's device being enrolled (unconfirmed: it opens nothing until a code from it is typed).
    The same one on every visit of the enrol page, so a QR code already scanned stays good."""
    device = otp.totp_device(user, confirmed=False)
    return device or TOTPDevice.objects.create(user=user, name=otp.TOTP_NAME, confirmed=False)


def device_enrol(*, user: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the scanned device with a code from it, and give the account fresh one-time recovery codes
    (returned once, to be shown once: for the day the phone is lost). Raises ValidationError at `code`."""
    code = (code or "").strip().replace(" ", "")
    if not code:
        raise ValidationError({"code": otp.CODE_MISSING})
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(pk=device.pk, user=user, confirmed=False).first()
        if device is None:
            raise PermissionDenied("该设备不属于本账号或已绑定。")
        if device.verify_token(code):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            StaticDevice.objects.filter(user=user).delete()
            recovery = StaticDevice.objects.create(user=user, name=otp.RECOVERY_NAME, confirmed=True)
            codes = [StaticToken.random_token() for _ in range(otp.RECOVERY_CODES)]
            StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
            audit.record(actor=user, action=AuditAction.UPDATE, target=user, changes={"second_factor": "已绑定"})
            return codes
    # Refused after the block has committed, so that the device's count of wrong codes (its throttle) holds.
    raise ValidationError({"code": otp.CODE_WRONG})


@transaction.atomic
def device_reset(*, actor, user: User) -> None:
    """The security admin clears a lost or broken device (and the recovery codes): the account enrols a new
    one at its next sign-in. Its sessions verified with the old device are sent to enrol again, and its API
    tokens end, since whoever holds the lost phone may have had a code."""
    _require_account_manager(actor, user)
    devices = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    tokens = ApiToken.objects.filter(user=user).delete()[0]
    audit.record(actor=actor, action=AuditAction.UPDATE, target=user,
                 changes={"second_factor": "已重置", "devices_removed": devices, "tokens_revoked": tokens})


@transaction.atomic
def user_tokens_revoke(*, actor, user: User, token: ApiToken | None = None) -> int:
    """The security admin ends one API token of an account, or all of them; returns how many ended."""
    _require_account_manager(actor, user)
    tokens = ApiToken.objects.filter(user=user)
    if token is not None:
        tokens = tokens.filter(pk=token.pk)
    prefixes = sorted(tokens.values_list("prefix", flat=True))
    revoked = tokens.delete()[0]
    audit.record(actor=actor, action=AuditAction.UPDATE, target=user,
                 changes={"tokens_revoked": revoked, "prefixes": prefixes})
    return revoked


@transaction.atomic
def api_token_issue(*, user: User) -> tuple[str, ApiToken]:
    """A new token for one sign-in (password and code already checked), lapsing after API_TOKEN_TTL_SECONDS.
    Only its hash is kept: the key is returned this once, with the stored token."""
    key = new_token_key()
    token = ApiToken.objects.create(user=user, key_hash=token_hash(key), prefix=key[:8],
                                    expires_at=timezone.now() + timedelta(seconds=settings.API_TOKEN_TTL_SECONDS))
    audit.record(actor=user, action=AuditAction.LOGIN, changes={"via": "api_token", "token": token.prefix})
    return key, token


@transaction.atomic
def api_token_revoke(*, user: User, token: ApiToken) -> None:
    """The client signs out: the token it called with ends (DELETE /api/v1/auth/token/)."""
    ApiToken.objects.filter(pk=token.pk, user=user).delete()
    audit.record(actor=user, action=AuditAction.LOGOUT, changes={"via": "api_token", "token": token.prefix})


def _require_account_manager(actor, user: User) -> None:
    if not manages_accounts(actor):
        raise PermissionDenied("只有安全管理员可以重置双因素或吊销令牌。")
    if user.subdistrict_id != actor.subdistrict_id or user.is_superuser:
        raise PermissionDenied("只能管理本街道的账号。")
    if user.pk == actor.pk:
        raise PermissionDenied("不能重置或吊销自己的：请另一位安全管理员处理。")
