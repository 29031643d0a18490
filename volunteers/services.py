"""Writes of volunteers/: volunteers, teams and their members (each audited, each saving only what changed)."""

import hashlib
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from jiedao import audit
from jiedao.crypto import matches
from jiedao.models import AuditAction, Notification, NotificationKind, Role, User
from jiedao.notifications import notifications_deliver, notifications_write, text_send
from jiedao.scope import can_record_visits, covers, keeps_volunteers, takes_attendance, takes_orders
from jiedao.signals import rows_changed
from jiedao.text import is_mobile, phone_number
from residents import id_numbers
from residents.models import Community, Resident, Status
from residents.selectors import resident_by_id_number
from residents.signals import pairing_visit_made

from . import workflow
from .choices import HoursSource, OrderState, Rhythm, VolunteerStatus, next_visit_due
from .hours import attended_hours, checked_hours
from .models import (
    Activity,
    Attendance,
    HoursEntry,
    OrderTransition,
    Pairing,
    PairingVisit,
    RatingLink,
    ServiceKind,
    ServiceOrder,
    SignUp,
    Team,
    TeamMembership,
    Volunteer,
)
from .querysets import led_team_ids

VOLUNTEER_FIELDS = ["name", "id_number", "phone", "community", "skills", "availability", "party_member", "work_unit",
                    "status"]
TEAM_FIELDS = ["name", "community", "leader", "description", "active"]
KEEPERS_ONLY = "只有街道管理员和社区工作人员可以登记志愿者和服务队。"


def _keeper(actor) -> None:
    if not keeps_volunteers(actor):
        raise PermissionDenied(KEEPERS_ONLY)


def _own_place(actor, community: Community | None, field: str = "community") -> None:
    """A community of the actor's own places (None: the whole sub-district, the admin's alone)."""
    if community is None:
        if actor.role != Role.SUBDISTRICT_ADMIN:
            raise ValidationError({field: "请选择社区（全街道的由街道管理员登记）。"})
        return
    if not Community.objects.visible_to(actor).filter(pk=community.pk).exists():
        raise ValidationError({field: "该社区不在您的管辖范围内。"})


def _masked(changes: dict[str, Any]) -> dict[str, Any]:
    maskers = {"id_number": id_numbers.mask, "phone": id_numbers.mask_phone}
    return {k: ([maskers[k](x or "") for x in v] if isinstance(v, list) else maskers[k](v or ""))
            if k in maskers else v for k, v in changes.items()}


def _state(volunteer: Volunteer) -> dict[str, Any]:
    return audit.snapshot(volunteer, [*VOLUNTEER_FIELDS, "resident"])


def volunteer_by_id_number(raw: str, *, exclude_pk: int | None = None) -> Volunteer | None:
    found = Volunteer.objects.filter(matches(Volunteer, "id_number", id_numbers.normalize(raw)))
    return found.exclude(pk=exclude_pk).first() if exclude_pk else found.first()


def _link_resident(volunteer: Volunteer) -> None:
    """The resident record of a volunteer who lives here: the registry's own look-up by number, within the
    volunteer's sub-district (a number registered elsewhere links nothing, and says nothing)."""
    volunteer.resident = resident_by_id_number(
        volunteer.id_number, queryset=Resident.objects.filter(community__subdistrict_id=volunteer.subdistrict_id))


def _check_number(actor, raw: str, exclude_pk: int | None) -> str:
    try:
        number = id_numbers.parse(raw).number
    except ValidationError as e:
        raise ValidationError({"id_number": e.messages}) from None
    other = volunteer_by_id_number(number, exclude_pk=exclude_pk)
    if other is not None:
        if Volunteer.objects.visible_to(actor).filter(pk=other.pk).exists():
            raise ValidationError({"id_number": f"该身份证号已登记为志愿者：{other.name}。"})
        raise ValidationError({"id_number": "该身份证号已登记为志愿者，请联系街道管理员核实。"})
    return number


def _save(volunteer: Volunteer, update_fields=None) -> None:
    volunteer.full_clean(exclude=["id_number", "subdistrict", "community", "account"], validate_unique=False)
    try:
        with transaction.atomic():
            volunteer.save(update_fields=update_fields)
    except IntegrityError:
        # Two people registering one number at once: the unique index decides.
        if volunteer_by_id_number(volunteer.id_number, exclude_pk=volunteer.pk) is not None:
            raise ValidationError({"id_number": "该身份证号已登记为志愿者。"}) from None
        raise


def volunteer_create(*, actor, data: dict[str, Any]) -> Volunteer:
    """Register a volunteer (`name`, `id_number` required) in the actor's sub-district and places."""
    _keeper(actor)
    data = {k: v for k, v in data.items() if k in VOLUNTEER_FIELDS}
    _own_place(actor, data.get("community"))
    number = _check_number(actor, data.get("id_number", ""), None)
    with transaction.atomic():
        volunteer = Volunteer(subdistrict_id=actor.subdistrict_id, **{**data, "id_number": number})
        _link_resident(volunteer)
        _save(volunteer)
        audit.record(actor=actor, action=AuditAction.CREATE, target=volunteer,
                     changes={"after": _masked(_state(volunteer))})
    return volunteer


def volunteer_update(*, actor, volunteer: Volunteer, data: dict[str, Any]) -> Volunteer:
    """Change the given fields whose value differs from what is stored; only those are written and logged."""
    _keeper(actor)
    with transaction.atomic():
        stored = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
        changed = {}
        for field, value in data.items():
            if field not in VOLUNTEER_FIELDS:
                continue
            current = getattr(stored, f"{field}_id" if field == "community" else field)
            given = value.pk if hasattr(value, "pk") else value
            if field == "id_number":
                given = id_numbers.normalize(value)
            if given != current:
                changed[field] = value
        if not changed:
            return stored
        if "community" in changed:
            _own_place(actor, changed["community"])
        before = _state(stored)
        if "id_number" in changed:
            changed["id_number"] = _check_number(actor, changed["id_number"], stored.pk)
        for field, value in changed.items():
            setattr(stored, field, value)
        fields = [*changed]
        if "id_number" in changed:
            _link_resident(stored)
            fields += ["resident", "id_number_index", "id_last4_index"]
        if "phone" in changed:
            fields += ["phone_index", "phone_last4_index"]
        _save(stored, update_fields=[*fields, "updated_at"])
        audit.record(actor=actor, action=AuditAction.UPDATE, target=stored,
                     changes=_masked(audit.diff(before, _state(stored))))
    return stored


def volunteer_view_full(*, actor, volunteer: Volunteer) -> None:
    """Log that `actor` was shown a volunteer's full ID number and phone (their detail, for a keeper)."""
    audit.record(actor=actor, action=AuditAction.VIEW_FULL, target=volunteer)


@transaction.atomic
def volunteer_link_account(*, actor, volunteer: Volunteer, account: User | None) -> Volunteer:
    """Give a volunteer their team leader's account (role 服务队队长, of the same sub-district), or take it away.
    The account's scope is then the teams this volunteer leads."""
    if actor.role != Role.SUBDISTRICT_ADMIN:
        raise PermissionDenied("只有街道管理员可以关联队长账号。")
    if account is not None and (account.role != Role.TEAM_LEADER or account.subdistrict_id != volunteer.subdistrict_id):
        raise ValidationError({"account": "请选择本街道的服务队队长账号。"})
    if account is not None and Volunteer.objects.filter(account=account).exclude(pk=volunteer.pk).exists():
        raise ValidationError({"account": "该账号已关联其他志愿者。"})
    before = audit.snapshot(volunteer, ["account"])
    volunteer.account = account
    volunteer.save(update_fields=["account", "updated_at"])
    audit.record_save(actor=actor, obj=volunteer, before=before, after=audit.snapshot(volunteer, ["account"]))
    return volunteer


def _team_checks(actor, team: Team) -> None:
    _own_place(actor, team.community)
    if team.leader_id and team.leader.subdistrict_id != actor.subdistrict_id:
        raise ValidationError({"leader": "队长须为本街道的志愿者。"})


def team_save(*, actor, team: Team) -> Team:
    """Create or change a team of the actor's sub-district; only changed fields are logged."""
    _keeper(actor)
    team.subdistrict_id = team.subdistrict_id or actor.subdistrict_id

    def guard(stored):
        if stored is not None and not Team.objects.visible_to(actor).filter(pk=stored.pk).exists():
            raise PermissionDenied("该服务队不在您的管辖范围内。")
        if team.subdistrict_id != actor.subdistrict_id:
            raise PermissionDenied("该服务队不在您的管辖范围内。")
        _team_checks(actor, team)

    return audit.audited_save(actor=actor, obj=team, fields=TEAM_FIELDS, guard=guard)


@transaction.atomic
def membership_add(*, actor, team: Team, volunteer: Volunteer, joined_on: date | None = None) -> TeamMembership:
    """A volunteer joins a team (a current member cannot join twice; one who left may join again: a new row)."""
    _keeper(actor)
    joined_on = joined_on or timezone.localdate()
    if joined_on > timezone.localdate():
        raise ValidationError({"joined_on": "加入日期不能晚于今天。"})
    if volunteer.subdistrict_id != team.subdistrict_id:
        raise ValidationError({"volunteer": "志愿者与服务队不在同一街道。"})
    if not Volunteer.objects.visible_to(actor).filter(pk=volunteer.pk).exists():
        raise ValidationError({"volunteer": "该志愿者不在您的管辖范围内。"})
    if TeamMembership.objects.filter(team=team, volunteer=volunteer, left_on__isnull=True).exists():
        raise ValidationError({"volunteer": "该志愿者已在队中。"})
    try:
        with transaction.atomic():
            membership = TeamMembership.objects.create(team=team, volunteer=volunteer, joined_on=joined_on)
    except IntegrityError:  # two taps of 加入 at once: the unique constraint decides
        raise ValidationError({"volunteer": "该志愿者已在队中。"}) from None
    audit.record(actor=actor, action=AuditAction.CREATE, target=membership,
                 changes={"team": audit.ref(team), "volunteer": audit.ref(volunteer),
                          "joined_on": joined_on.isoformat()})
    return membership


@transaction.atomic
def membership_end(*, actor, membership: TeamMembership, left_on: date | None = None) -> TeamMembership:
    """A member leaves: the row is ended, never deleted (the team's history keeps who served when)."""
    _keeper(actor)
    membership = TeamMembership.objects.select_for_update().get(pk=membership.pk)
    left_on = left_on or timezone.localdate()
    if membership.left_on is not None:
        raise ValidationError({"left_on": f"已于 {membership.left_on:%Y-%m-%d} 退出。"})
    if left_on < membership.joined_on:
        raise ValidationError({"left_on": "退出日期不能早于加入日期。"})
    if left_on > timezone.localdate():
        raise ValidationError({"left_on": "退出日期不能晚于今天。"})
    membership.left_on = left_on
    membership.save(update_fields=["left_on"])
    audit.record(actor=actor, action=AuditAction.UPDATE, target=membership,
                 changes={"left_on": [None, left_on.isoformat()]})
    return membership


# --- service orders ------------------------------------------------------------------------------------

RATING_LINK_DAYS = 14
ATTENDANCE_SLACK = timedelta(hours=1)  # check-in/out may be this long before an activity starts or after it ends
ACCEPT_HOURS = 24  # a dispatched order is to be accepted (or declined) within this, or by its deadline if sooner
ESCALATE_AFTER_HOURS = 24  # overdue this long after the team leader was reminded: the centre is told


@transaction.atomic
def service_kind_save(*, actor, kind: ServiceKind) -> ServiceKind:
    """The sub-district admin keeps the list of services residents may order."""
    if actor.role != Role.SUBDISTRICT_ADMIN or not actor.subdistrict_id:
        raise PermissionDenied("只有街道管理员可以维护服务项目。")
    kind.subdistrict_id = kind.subdistrict_id or actor.subdistrict_id
    return audit.audited_save(actor=actor, obj=kind, fields=["name", "active"],
                              guard=audit.own_subdistrict(actor, "该服务项目不属于本街道。"))


@transaction.atomic
def order_create(*, actor, resident: Resident, service: ServiceKind, wanted_at, notes: str = "") -> ServiceOrder:
    """Staff or a grid worker takes a resident's order (点单) on their behalf: state 点单, the first step kept."""
    if not takes_orders(actor):
        raise PermissionDenied("只有社区工作人员、网格员和街道管理员可以代居民点单。")
    if not Resident.objects.visible_to(actor).filter(pk=resident.pk).exists():
        raise ValidationError({"resident": "该居民不在您的管辖范围内。"})
    if resident.status != Status.ACTIVE:
        raise ValidationError({"resident": "该居民已归档，不能点单。"})
    if service.subdistrict_id != resident.community.subdistrict_id or not service.active:
        raise ValidationError({"service": "请选择本街道可点单的服务项目。"})
    order = ServiceOrder(resident=resident, service=service, wanted_at=wanted_at, notes=(notes or "").strip(),
                         created_by=actor)
    order.full_clean()
    order.save()
    OrderTransition.objects.create(order=order, from_state="", to_state=OrderState.REQUESTED, by=actor,
                                   comment="代居民点单")
    audit.record(actor=actor, action=AuditAction.CREATE, target=order,
                 changes={"resident": audit.ref(resident), "service": service.name, "state": OrderState.REQUESTED})
    return order


@transaction.atomic
def order_transition(*, actor, order: ServiceOrder, to: str, comment: str = "", team: Team | None = None,
                     deadline=None, note: str = "", hours: list[dict] | None = None,
                     rating: int | None = None) -> ServiceOrder:
    """Move an order one step along its path (volunteers.workflow), by the role of that step, the comment kept.

    `dispatched` takes a team of the resident's sub-district and a deadline to come; `declined` takes its reason
    as the comment and sends the order back to 点单 (the decline stays in the history); `done` takes the note and
    who served for how long (`hours`: [{"volunteer", "hours"}], each a member of the team, credited to their
    ledger); `rated` takes a rating 1–5 (the comment is the resident's words). PermissionDenied for a role that
    may not take the step; ValidationError for a step that cannot be taken."""
    order = ServiceOrder.objects.select_for_update(of=("self",)).select_related("service", "team").get(pk=order.pk)
    comment = (comment or "").strip()
    why = workflow.refusal(order.state, to, actor.role)
    if why is not None:
        message, is_role = why
        if is_role:
            raise PermissionDenied(message)
        raise ValidationError({"to": message})
    if len(comment) > 500:
        raise ValidationError({"comment": "意见请控制在 500 字以内。"})
    if actor.role == Role.TEAM_LEADER and order.team_id not in led_team_ids(actor):
        raise PermissionDenied("该服务单不是您带领的服务队的。")
    extras = {"team": team, "deadline": deadline, "note": note, "hours": hours, "rating": rating}
    allowed = {OrderState.DISPATCHED: {"team", "deadline"}, OrderState.DONE: {"note", "hours"},
               OrderState.RATED: {"rating"}}.get(to, set())
    for name, value in extras.items():
        if value not in (None, "", []) and name not in allowed:
            raise ValidationError({name: "这一步不填写此项。"})
    before, now = order.state, timezone.now()
    changes: dict[str, Any] = {"state": [before, to], "comment": comment}
    fields = ["state"]
    if to == OrderState.DISPATCHED:
        _dispatch(order, team, deadline, now)
        changes.update(team=audit.ref(team), deadline=deadline.isoformat())
        fields += ["team", "deadline", "dispatched_at", "accepted_at"]
        order.state = to
    elif to == OrderState.DECLINED:
        if not comment:
            raise ValidationError({"comment": "拒单须写明原因。"})
        changes["team"] = audit.ref(order.team)
        # Back to 点单 for another dispatch; the decline is the step kept in the history.
        order.state, order.team, order.deadline, order.dispatched_at = OrderState.REQUESTED, None, None, None
        fields += ["team", "deadline", "dispatched_at"]
    elif to == OrderState.ACCEPTED:
        order.state, order.accepted_at = to, now
        fields.append("accepted_at")
    elif to == OrderState.DONE:
        credited = _credit(actor, order, note, hours or [], now)
        order.state, order.done_at, order.done_note = to, now, note.strip()
        changes.update(note=order.done_note, hours={str(v.pk): str(h) for v, h in credited})
        fields += ["done_at", "done_note"]
    elif to == OrderState.RATED:
        _rate(order, rating, comment, now)
        order.state = to
        changes["rating"] = order.rating
        fields += ["rating", "rating_comment", "rated_at"]
    order.save(update_fields=fields)
    OrderTransition.objects.create(order=order, from_state=before, to_state=to, by=actor, comment=comment)
    audit.record(actor=actor, action=AuditAction.UPDATE, target=order, changes=changes)
    # Done: the resident is texted their rating link at once, when they have a mobile (else the order's page
    # offers the slip). `rating_text_to` tells the page which (the phone masked, or "").
    order.rating_text_to = _text_rating_link(actor, order, now) if to == OrderState.DONE else ""
    return order


def _dispatch(order: ServiceOrder, team: Team | None, deadline, now) -> None:
    if team is None:
        raise ValidationError({"team": "请选择派往的服务队。"})
    if team.subdistrict_id != order.service.subdistrict_id or not team.active:
        raise ValidationError({"team": "请选择本街道在服务的服务队。"})
    if team.leader_id is None:
        raise ValidationError({"team": "该服务队还没有队长，无法接单。"})
    if deadline is None:
        raise ValidationError({"deadline": "请填写完成期限。"})
    if deadline <= now:
        raise ValidationError({"deadline": "完成期限须晚于现在。"})
    order.team, order.deadline, order.dispatched_at, order.accepted_at = team, deadline, now, None


def _credit(actor, order: ServiceOrder, note: str, hours: list[dict], now) -> list[tuple[Volunteer, Decimal]]:
    """Who served and for how long: each a current member of the order's team, once; credited to their ledger."""
    if not (note or "").strip():
        raise ValidationError({"note": "请填写服务记录。"})
    if len(note) > 500:
        raise ValidationError({"note": "服务记录请控制在 500 字以内。"})
    if not hours:
        raise ValidationError({"hours": "请填写参加服务的志愿者和时长。"})
    members = set(TeamMembership.objects.filter(team_id=order.team_id, left_on__isnull=True)
                  .values_list("volunteer_id", flat=True))
    credited, seen = [], set()
    for line in hours:
        volunteer, amount = line.get("volunteer"), line.get("hours")
        if not isinstance(volunteer, Volunteer) or volunteer.pk not in members:
            raise ValidationError({"hours": "参加服务的须是本队的现有队员。"})
        if volunteer.pk in seen:
            raise ValidationError({"hours": f"{volunteer.name} 填写了两次。"})
        seen.add(volunteer.pk)
        credited.append((volunteer, checked_hours(amount)))
    day = timezone.localdate(now)
    HoursEntry.objects.bulk_create([
        HoursEntry(volunteer=volunteer, date=day, hours=amount, source=HoursSource.ORDER, order=order,
                   project=f"{order.service.name}（服务单 {order.pk}）"[:100], by=actor)
        for volunteer, amount in credited])
    rows_changed.send(sender=HoursEntry)  # bulk_create sends no post_save
    return credited


def _rate(order: ServiceOrder, rating, comment: str, now) -> None:
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": "请给出 1–5 分的评分。"})
    if len(comment) > 300:
        raise ValidationError({"comment": "评价请控制在 300 字以内。"})
    order.rating, order.rating_comment, order.rated_at = rating, comment, now
    # Rated: any link still out is spent.
    RatingLink.objects.filter(order=order, used_at__isnull=True).update(used_at=now)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _link_create(order: ServiceOrder, now) -> tuple[RatingLink, str]:
    """A new single-use link of a done order (its row locked by the caller): any link still out is spent."""
    RatingLink.objects.filter(order=order, used_at__isnull=True).update(used_at=now)
    token = secrets.token_urlsafe(9)  # 12 characters: short enough to type from a slip, 72 bits
    link = RatingLink.objects.create(order=order, token_hash=_token_hash(token),
                                     expires_at=now + timedelta(days=RATING_LINK_DAYS))
    return link, token


def _may_link(actor, order: ServiceOrder) -> ServiceOrder:
    if actor.role not in workflow.FORWARD[OrderState.DONE][1]:
        raise PermissionDenied("只有街道管理员和社区工作人员可以生成评价链接。")
    order = ServiceOrder.objects.select_for_update(of=("self",)).select_related("resident", "service").get(pk=order.pk)
    if order.state != OrderState.DONE:
        raise ValidationError({"to": "服务完成后、尚未评价时才能生成评价链接。"})
    return order


@transaction.atomic
def rating_link_issue(*, actor, order: ServiceOrder) -> tuple[RatingLink, str]:
    """A new single-use link for the resident to rate a done order (the token is returned once, for the slip;
    only its hash is kept). A link issued before and not used is spent: one live link per order."""
    order = _may_link(actor, order)
    link, token = _link_create(order, timezone.now())
    audit.record(actor=actor, action=AuditAction.CREATE, target=order, changes={"rating_link": link.pk})
    return link, token


NO_MOBILE = "该居民没有登记手机号码，不能发送评价短信：请生成评价链接，抄在回执上交给居民。"
NO_MOBILE_DONE = "居民没有登记手机号码，未发送评价短信：请社区工作人员在服务单页生成评价链接，抄在回执上交给居民。"


def rating_text_possible(order: ServiceOrder) -> bool:
    """Whether the order's resident can be texted their rating link (the phone itself stays in here)."""
    return bool(_resident_mobile(order))


def rating_text_to(order: ServiceOrder) -> str:
    """After order_transition to done: the phone the rating link was texted to, masked ("" when none)."""
    return getattr(order, "rating_text_to", "")


def rating_url(token: str) -> str:
    """The rating page's full address, as the resident opens it from a text (settings.SITE_URL)."""
    return f"{settings.SITE_URL}{reverse('volunteer_rate', args=[token])}"


def _resident_mobile(order: ServiceOrder) -> str:
    """The registry's phone of the order's resident, decrypted here only, when it can take a text."""
    phone = order.resident.phone or ""
    return phone_number(phone) if is_mobile(phone) else ""


def _text_rating_link(actor, order: ServiceOrder, now) -> str:
    """Issue a link and text it to the resident's mobile once the step commits (a step undone sends nothing).
    Audited with the phone masked; the token itself is in no log or audit entry. Returns the masked phone, or ""
    when the resident has no mobile (nothing issued: the page offers the slip)."""
    phone = _resident_mobile(order)
    if not phone:
        return ""
    link, token = _link_create(order, now)
    shown = id_numbers.mask_phone(phone)
    audit.record(actor=actor, action=AuditAction.CREATE, target=order,
                 changes={"rating_link": link.pk, "texted_to": shown})
    message = (f"【街道民政】您的“{order.service.name}”服务已完成，请为本次服务评分（{RATING_LINK_DAYS} 天内有效，"
               f"只能评价一次）：{rating_url(token)}")
    transaction.on_commit(lambda: text_send(phone=phone, message=message))
    return shown


@transaction.atomic
def rating_link_send(*, actor, order: ServiceOrder) -> str:
    """Staff's 发送评价短信: a new link (the one out before is spent) texted to the resident's mobile. Returns the
    phone masked; ValidationError (NO_MOBILE) when the resident has none, and no link is issued."""
    order = _may_link(actor, order)
    if not _resident_mobile(order):
        raise ValidationError({"phone": NO_MOBILE})
    return _text_rating_link(actor, order, timezone.now())


def rating_link_find(token: str) -> RatingLink | None:
    """The link a token opens, if any (spent and expired ones too: the page says why)."""
    if not isinstance(token, str) or not token.isascii() or len(token) > 40:
        return None
    return RatingLink.objects.select_related("order__service", "order__team").filter(
        token_hash=_token_hash(token)).first()


LINK_SPENT = "该评价链接已使用过，不能再次评价。"
LINK_EXPIRED = "该评价链接已过期（有效期 14 天）。"


def rating_link_refusal(link: RatingLink, now=None) -> str:
    now = now or timezone.now()
    if link.used_at is not None or link.order.state != OrderState.DONE:
        return LINK_SPENT
    if link.expires_at <= now:
        return LINK_EXPIRED
    return ""


@transaction.atomic
def order_rate_by_link(*, token: str, rating, comment: str = "") -> ServiceOrder:
    """The resident rates their order through their link: once, within 14 days, without signing in."""
    found = rating_link_find(token)
    if found is None:
        raise ValidationError({"token": "评价链接无效。"})
    link = RatingLink.objects.select_for_update().get(pk=found.pk)  # two taps at once: one counts
    why = rating_link_refusal(link)
    if why:
        raise ValidationError({"token": why})
    order = ServiceOrder.objects.select_for_update().get(pk=link.order_id)
    comment = (comment or "").strip()
    now = timezone.now()
    _rate(order, rating, comment, now)
    order.state = OrderState.RATED
    order.save(update_fields=["state", "rating", "rating_comment", "rated_at"])
    OrderTransition.objects.create(order=order, from_state=OrderState.DONE, to_state=OrderState.RATED, by=None,
                                   comment=comment)
    audit.record(actor=None, action=AuditAction.UPDATE, target=order, username="居民（评价链接）",
                 changes={"state": [OrderState.DONE, OrderState.RATED], "rating": order.rating, "via": "评价链接"})
    return order


def orders_remind(*, now: datetime | None = None) -> dict[str, int]:
    """Orders not accepted in time (ACCEPT_HOURS after dispatch, or the deadline if sooner) or not done by their
    deadline remind the team leader; still so ESCALATE_AFTER_HOURS later, the centre (the sub-district admins)
    is told. Each reminder has its key (order, step, recipient): a second run writes nothing twice. Run every
    15 minutes by beat and by `run_order_reminders`."""
    now = now or timezone.now()
    rows = []
    late = (ServiceOrder.objects.filter(state__in=workflow.WITH_TEAM)
            .select_related("service", "team__leader", "resident"))
    admins = {}
    for order in late.iterator():
        step, due = _due(order)
        if due is None or now <= due:
            continue
        link = reverse("volunteers:order_detail", args=[order.pk])
        what = "未接单" if step == "accept" else "未完成"
        leader = order.team.leader.account_id if order.team.leader_id else None
        if leader:
            rows.append(Notification(
                recipient_id=leader, kind=NotificationKind.ORDER_OVERDUE, due_date=timezone.localdate(due),
                message=(f"服务单 {order.pk}（{order.service.name}）逾期{what}："
                         f"期限 {timezone.localtime(due):%m-%d %H:%M}。"),
                link=link, key=f"order:{order.pk}:{step}:{leader}"))
        if now > due + timedelta(hours=ESCALATE_AFTER_HOURS):
            subdistrict = order.service.subdistrict_id
            if subdistrict not in admins:
                admins[subdistrict] = list(User.objects.filter(role=Role.SUBDISTRICT_ADMIN, subdistrict_id=subdistrict,
                                                               is_active=True).values_list("id", flat=True))
            rows += [Notification(
                recipient_id=admin, kind=NotificationKind.ESCALATION, resident_id=order.resident_id,
                due_date=timezone.localdate(due), link=link, key=f"order:{order.pk}:{step}:escalate:{admin}",
                message=(f"服务单 {order.pk}（{order.resident.name}，{order.service.name}）{order.team.name} "
                         f"逾期{what}，已超过一天，请中心跟进。")) for admin in admins[subdistrict]]
    written = notifications_write(rows)
    delivered, failed = notifications_deliver()
    return {"written": written, "delivered": delivered, "failed": failed}


def _due(order: ServiceOrder):
    """("accept" or "done", when that step was due) for an order with a team."""
    if order.state == OrderState.DISPATCHED:
        by = order.dispatched_at + timedelta(hours=ACCEPT_HOURS)
        return "accept", min(by, order.deadline) if order.deadline else by
    return "done", order.deadline


# --- activities and hours --------------------------------------------------------------------------------

ACTIVITY_FIELDS = ["team", "name", "place", "starts_at", "ends_at", "capacity", "description"]


def _takes_attendance_at(actor, activity: Activity) -> None:
    if not takes_attendance(actor):
        raise PermissionDenied("只有服务队队长和社区工作人员可以登记报名和签到。")
    if actor.role == Role.TEAM_LEADER and activity.team_id not in led_team_ids(actor):
        raise PermissionDenied("这不是您带领的服务队的活动。")


def activity_save(*, actor, activity: Activity) -> Activity:
    """Create or change an activity of a team in the actor's places; only changed fields are logged."""
    _keeper(actor)

    def guard(stored):
        team = activity.team
        if not Team.objects.visible_to(actor).filter(pk=team.pk).exists():
            raise ValidationError({"team": "该服务队不在您的管辖范围内。"})
        if stored is not None and not Activity.objects.visible_to(actor).filter(pk=stored.pk).exists():
            raise PermissionDenied("该活动不在您的管辖范围内。")

    return audit.audited_save(actor=actor, obj=activity, fields=ACTIVITY_FIELDS, guard=guard)


@transaction.atomic
def signup_add(*, actor, activity: Activity, volunteer: Volunteer) -> SignUp:
    """Sign a volunteer up for an activity, up to its capacity (the activity's row is locked while counting)."""
    _takes_attendance_at(actor, activity)
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if volunteer.subdistrict_id != activity.team.subdistrict_id or volunteer.status != VolunteerStatus.ACTIVE:
        raise ValidationError({"volunteer": "请选择本街道在册的志愿者。"})
    if SignUp.objects.filter(activity=activity, volunteer=volunteer).exists():
        raise ValidationError({"volunteer": "该志愿者已报名。"})
    if activity.signups.count() >= activity.capacity:
        raise ValidationError({"volunteer": f"报名已满（{activity.capacity} 人）。"})
    signup = SignUp.objects.create(activity=activity, volunteer=volunteer)
    audit.record(actor=actor, action=AuditAction.CREATE, target=activity,
                 changes={"signup": audit.ref(volunteer)})
    return signup


def _at(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%m-%d %H:%M}"


@transaction.atomic
def attendance_record(*, actor, activity: Activity, volunteer: Volunteer, checked_in_at: datetime,
                      checked_out_at: datetime) -> Attendance:
    """Check a signed-up volunteer in and out of an activity, and credit the hours between, to the quarter hour,
    to their ledger. Once per volunteer and activity: a wrong time is corrected by an adjustment (hours_adjust)."""
    _takes_attendance_at(actor, activity)
    if not SignUp.objects.filter(activity=activity, volunteer=volunteer).exists():
        raise ValidationError({"volunteer": "该志愿者未报名此活动，请先报名。"})
    if Attendance.objects.filter(activity=activity, volunteer=volunteer).exists():
        raise ValidationError({"volunteer": "该志愿者的签到签退已记录；时长有误请调整。"})
    if checked_out_at <= checked_in_at:
        raise ValidationError({"checked_out_at": "签退须晚于签到。"})
    if checked_out_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"checked_out_at": "签退时间不能晚于现在。"})
    # Hours come from the activity's own time, with an hour's slack each side (setting up, tidying away): a
    # check-in at midnight and a check-out the next midnight credited 24 hours for a one-hour activity.
    opens, closes = activity.starts_at - ATTENDANCE_SLACK, activity.ends_at + ATTENDANCE_SLACK
    if checked_in_at < opens:
        raise ValidationError({"checked_in_at": f"签到不能早于活动开始前 1 小时（{_at(opens)}）。"})
    if checked_out_at > closes:
        raise ValidationError({"checked_out_at": f"签退不能晚于活动结束后 1 小时（{_at(closes)}）。"})
    hours = attended_hours(checked_in_at, checked_out_at)
    if hours <= 0:
        raise ValidationError({"checked_out_at": "签到签退不足一刻钟，不计时长。"})
    hours = checked_hours(hours, "checked_out_at")
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(activity=activity, volunteer=volunteer,
                                                   checked_in_at=checked_in_at, checked_out_at=checked_out_at, by=actor)
    except IntegrityError:  # the same check-out sent twice at once: the unique constraint decides
        raise ValidationError({"volunteer": "该志愿者的签到签退已记录；时长有误请调整。"}) from None
    HoursEntry.objects.create(volunteer=volunteer, date=timezone.localdate(checked_in_at), hours=hours,
                              source=HoursSource.ACTIVITY, activity=activity, project=activity.name[:100], by=actor)
    audit.record(actor=actor, action=AuditAction.CREATE, target=attendance,
                 changes={"activity": audit.ref(activity), "volunteer": audit.ref(volunteer), "hours": str(hours)})
    return attendance


@transaction.atomic
def hours_adjust(*, actor, entry: HoursEntry, hours, reason: str) -> HoursEntry:
    """Correct a line of a volunteer's hours: a new line with the right hours and the reason, kept beside the
    original (never changed); the total counts the latest correction of each line instead of it. By the leader
    of a team the volunteer serves in, or staff."""
    if not (keeps_volunteers(actor) or (actor.role == Role.TEAM_LEADER and TeamMembership.objects.filter(
            volunteer_id=entry.volunteer_id, team_id__in=led_team_ids(actor), left_on__isnull=True).exists())):
        raise PermissionDenied("只有志愿者所在服务队的队长和社区工作人员可以调整时长。")
    if entry.source == HoursSource.ADJUSTMENT:
        raise ValidationError({"adjusts": "请调整原始记录（调整记录不能再被调整）。"})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "调整时长须写明原因。"})
    if len(reason) > 200:
        raise ValidationError({"reason": "原因请控制在 200 字以内。"})
    if str(hours).strip() in ("0", "0.0", "0.00"):
        amount = Decimal("0.00")  # did not serve after all: the line stays, counting nothing
    else:
        amount = checked_hours(hours)
    adjustment = HoursEntry.objects.create(
        volunteer_id=entry.volunteer_id, date=timezone.localdate(), hours=amount, source=HoursSource.ADJUSTMENT,
        project=entry.project, order_id=entry.order_id, activity_id=entry.activity_id, adjusts=entry, reason=reason,
        by=actor)
    audit.record(actor=actor, action=AuditAction.UPDATE, target=entry.volunteer,
                 changes={"hours": [str(entry.hours), str(amount)], "entry": entry.pk, "reason": reason})
    return adjustment


# --- pairings (结对) -------------------------------------------------------------------------------------

@transaction.atomic
def pairing_create(*, actor, resident: Resident, rhythm: str = Rhythm.WEEKLY, volunteer: Volunteer | None = None,
                   worker: User | None = None, started_on: date | None = None) -> Pairing:
    """Pair a key resident with a volunteer or a grid worker (one of them), visiting at `rhythm`."""
    _keeper(actor)
    if (volunteer is None) == (worker is None):
        raise ValidationError({"volunteer": "请选择一名志愿者或一名网格员（二选一）。"})
    if not Resident.objects.visible_to(actor).filter(pk=resident.pk).exists():
        raise ValidationError({"resident": "该居民不在您的管辖范围内。"})
    if resident.status != Status.ACTIVE:
        raise ValidationError({"resident": "该居民已归档，不能结对。"})
    if volunteer is not None and (volunteer.subdistrict_id != resident.community.subdistrict_id
                                  or volunteer.status != VolunteerStatus.ACTIVE):
        raise ValidationError({"volunteer": "请选择本街道在册的志愿者。"})
    if worker is not None and not (worker.role == Role.GRID_WORKER and covers(
            worker, subdistrict_id=resident.community.subdistrict_id, community_id=resident.community_id,
            grid_id=resident.grid_id)):
        raise ValidationError({"worker": "请选择负责该居民所在网格的网格员。"})
    started_on = started_on or timezone.localdate()
    if started_on > timezone.localdate():
        raise ValidationError({"started_on": "结对日期不能晚于今天。"})
    # The resident's row is the lock: two taps of 结对 at once, in two requests, see each other's pairing.
    Resident.objects.select_for_update().filter(pk=resident.pk).first()
    same = Pairing.objects.current().filter(resident=resident, volunteer=volunteer, worker=worker)
    if same.exists():
        raise ValidationError({"resident": "已有相同的结对。"})
    pairing = Pairing(resident=resident, volunteer=volunteer, worker=worker, rhythm=rhythm, started_on=started_on)
    pairing.full_clean()
    pairing.save()
    audit.record(actor=actor, action=AuditAction.CREATE, target=pairing,
                 changes={"resident": audit.ref(resident), "partner": audit.ref(volunteer or worker),
                          "rhythm": rhythm})
    return pairing


@transaction.atomic
def pairing_visit_record(*, actor, pairing: Pairing, visited_at: datetime | None = None,
                         notes: str = "") -> PairingVisit:
    """A pairing's visit, recorded by staff or a grid worker (the visits' own rule): the visits app records it as a
    home visit of the resident's plan (residents.signals.pairing_visit_made), so it counts in the plan and the
    monthly visit rate; the pairing keeps which visit it was."""
    if not can_record_visits(actor):
        raise PermissionDenied("结对走访由社区工作人员或网格员登记（计入居民的探访计划）。")
    if pairing.ended_on is not None:
        raise ValidationError({"pairing": "该结对已结束。"})
    visited_at = visited_at or timezone.now()
    notes = (notes or "").strip()[:500]
    partner = f"结对{'志愿者' if pairing.volunteer_id else '网格员'} {pairing.partner_name} 走访"
    answers = pairing_visit_made.send(sender=Pairing, resident=pairing.resident, actor=actor, visited_at=visited_at,
                                      notes=f"{partner}。{notes}" if notes else f"{partner}。")
    visit = next((answer for _, answer in answers if getattr(answer, "pk", None)), None)
    made = PairingVisit.objects.create(pairing=pairing, visited_at=visited_at, visit_id=visit.pk if visit else None,
                                       by=actor, notes=notes)
    audit.record(actor=actor, action=AuditAction.CREATE, target=pairing,
                 changes={"visit": made.visit_id, "visited_at": visited_at.isoformat()})
    return made


@transaction.atomic
def pairing_end(*, actor, pairing: Pairing, ended_on: date | None = None, reason: str = "") -> Pairing:
    """A pairing ends (the elder moved, the volunteer left): kept with its visits, no longer due nor reminded."""
    _keeper(actor)
    pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
    ended_on = ended_on or timezone.localdate()
    reason = (reason or "").strip()
    if pairing.ended_on is not None:
        raise ValidationError({"ended_on": f"该结对已于 {pairing.ended_on:%Y-%m-%d} 结束。"})
    if not pairing.started_on <= ended_on <= timezone.localdate():
        raise ValidationError({"ended_on": "结束日期须在结对日期和今天之间。"})
    if not reason:
        raise ValidationError({"reason": "请写明结束原因（如迁出、志愿者退队）。"})
    if len(reason) > 200:
        raise ValidationError({"reason": "结束原因请控制在 200 字以内。"})
    pairing.ended_on = ended_on
    pairing.save(update_fields=["ended_on"])
    audit.record(actor=actor, action=AuditAction.UPDATE, target=pairing,
                 changes={"ended_on": [None, ended_on.isoformat()], "reason": reason})
    return pairing


def pairing_due(pairing: Pairing, last_visit: datetime | None) -> date:
    return next_visit_due(pairing.rhythm, pairing.started_on, timezone.localdate(last_visit) if last_visit else None)


def pairings_remind(*, today: date | None = None) -> dict[str, int]:
    """Pairings past their rhythm remind the volunteer's team leaders (a grid worker's pairing: the worker), once
    per pairing and due day (the key). Run daily by beat and by `run_pairing_reminders`."""
    today = today or timezone.localdate()
    pairings = list(Pairing.objects.current().select_related("resident", "volunteer", "worker")
                    .annotate(last=Max("visits__visited_at")))
    leaders: dict[int, list[int]] = {}
    for volunteer_id, account in TeamMembership.objects.filter(
            left_on__isnull=True, volunteer_id__in=[p.volunteer_id for p in pairings if p.volunteer_id],
            team__leader__account__isnull=False).values_list("volunteer_id", "team__leader__account_id"):
        leaders.setdefault(volunteer_id, []).append(account)
    rows = []
    for pairing in pairings:
        due = pairing_due(pairing, pairing.last)
        if due >= today:
            continue
        recipients = leaders.get(pairing.volunteer_id, []) if pairing.volunteer_id else [pairing.worker_id]
        message = (f"结对走访逾期：{pairing.partner_name} 与 {pairing.resident.name}"
                   f"（{pairing.get_rhythm_display()}），应于 {due:%Y-%m-%d} 前走访。")
        rows += [Notification(recipient_id=user, kind=NotificationKind.PAIRING_OVERDUE, due_date=due, message=message,
                              link=reverse("volunteers:pairing_list"), key=f"pairing:{pairing.pk}:{due}:{user}")
                 for user in sorted(set(recipients))]
    written = notifications_write(rows)
    delivered, failed = notifications_deliver()
    return {"written": written, "delivered": delivered, "failed": failed}
