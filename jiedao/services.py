"""Writes of the base's own objects: accounts (the security admin's, 三员: jiedao.scope), the second
factor and API tokens, and what signing in writes besides the audit log (the warnings of lockouts, idle
accounts switched off)."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit, otp
from .authentication import new_token_key, token_hash
from .models import ApiToken, AuditAction, DisabledReason, Notification, NotificationKind, Role, User
from .notifications import notifications_write
from .scope import assignable_roles, crosses_administrators, manages_accounts, may_change_account
from .selectors import account_guardians

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
        # The administrator knows this one: its holder must choose their own at first login.
        user.must_change_password = True
    if stored is not None and not stored.is_active and user.is_active:
        # Switched back on (after the idle job, say): the idle clock starts again today.
        user.enabled_at = timezone.now()
        user.disabled_reason = ""
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


@transaction.atomic
def accounts_disable_idle(*, now: datetime | None = None) -> int:
    """The nightly job: accounts nobody signed in to for ACCOUNT_IDLE_DAYS (counted from the last sign-in,
    or from creation or re-enabling when later) are switched off, each in the audit log, and told why at
    their next sign-in attempt. Returns how many; a second run finds none (they are inactive already)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ACCOUNT_IDLE_DAYS)
    seen = Greatest(Coalesce("last_login", "date_joined"), Coalesce("enabled_at", "date_joined"))
    idle = list(User.objects.select_for_update().filter(is_active=True).annotate(seen=seen)
                .filter(seen__lt=cutoff))
    for user in idle:
        user.is_active = False
        user.disabled_reason = DisabledReason.IDLE
        user.save(update_fields=["is_active", "disabled_reason"])
        audit.record(actor=None, username="系统", action=AuditAction.UPDATE, target=user,
                     changes={"is_active": [True, False], "reason": f"连续 {settings.ACCOUNT_IDLE_DAYS} 天未登录",
                              "last_seen": timezone.localtime(user.seen).isoformat()})
    return len(idle)


def _recipients(user: User | None, subdistrict_ids) -> list[User]:
    people = {} if user is None else {user.pk: user}
    for subdistrict_id in subdistrict_ids:
        people.update({g.pk: g for g in account_guardians(subdistrict_id)})
    return list(people.values())


def login_lockout_notify(*, user: User, ip: str | None, now: datetime | None = None) -> int:
    """A pair (account, address) just locked: its owner (who can still sign in from elsewhere) and the
    account's guardians are told, once per pair and day. Returns how many notices are new."""
    now = now or timezone.now()
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    where = ip or "未知地址"
    day = timezone.localtime(now).strftime("%Y%m%d")
    rows = []
    for recipient in _recipients(user, [user.subdistrict_id]):
        if recipient.pk == user.pk:
            message = (f"您的账号在 {where} 连续 {settings.AXES_FAILURE_LIMIT} 次登录失败，已暂停从该地址登录 "
                       f"{minutes} 分钟；您在其他地址仍可正常登录。如非本人操作，请修改密码并告知安全管理员。")
            link = reverse("password_change")
        else:
            message = (f"账号 {user.username}（{user.get_full_name() or user.get_role_display()}）在 {where} 连续 "
                       f"{settings.AXES_FAILURE_LIMIT} 次登录失败，已暂停该地址对此账号的登录 {minutes} 分钟。")
            link = reverse("manage:users")
        rows.append(Notification(recipient=recipient, kind=NotificationKind.ACCOUNT_SECURITY, message=message,
                                 link=link, key=f"login-locked:{user.pk}:{where}:{day}:{recipient.pk}"))
    return notifications_write(rows)


def login_address_notify(*, ip: str, accounts: int, subdistrict_ids, now: datetime | None = None) -> int:
    """An address failed on many accounts within an hour (and is slowed down): the guardians of the
    sub-districts whose accounts it tried are told, once an hour. Returns how many notices are new."""
    now = now or timezone.now()
    if not subdistrict_ids:  # only names no account has: every sub-district's guardians
        subdistrict_ids = set(User.objects.exclude(subdistrict_id=None).values_list("subdistrict_id", flat=True))
    rows = [Notification(recipient=recipient, kind=NotificationKind.ACCOUNT_SECURITY, link=reverse("manage:users"),
                         message=(f"地址 {ip} 在一小时内对 {accounts} 个账号登录失败，疑似猜测密码，"
                                  "已对该地址逐次延长等待时间。"),
                         key=f"login-address:{ip}:{timezone.localtime(now):%Y%m%d%H}:{recipient.pk}")
            for recipient in _recipients(None, subdistrict_ids)]
    return notifications_write(rows)


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
    """The account rule every security-admin write shares (_require_manager), then this account's."""
    _require_manager(actor)
    if user.pk == actor.pk:
        raise PermissionDenied("不能重置或吊销自己的：请另一位安全管理员处理。")
    if not may_change_account(actor, user):
        raise PermissionDenied(NOT_YOURS)
