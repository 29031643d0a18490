"""Writes of elderly care: service points, meal prices and rules, and the canteen check-in."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from jiedao import audit
from jiedao.crypto import matches
from jiedao.dates import years_before
from jiedao.models import AuditAction
from jiedao.scope import can_manage_places, checks_in_meals, enrols_care, is_point_operator, logs_care
from residents import id_numbers
from residents.models import Resident, ResidentTag, ServicePoint, Status, Tag
from residents.selectors import filter_by_id_last4, filter_by_id_number

from .models import (
    CareEnrolment,
    DeliveryStatus,
    EnrolmentKind,
    Meal,
    MealDelivery,
    MealPrice,
    MealType,
    PriceRule,
    ServiceLog,
)

ELIGIBLE_AGE = 60  # 老年人: a registered diner from this age
# Who may eat at a canteen as a registered diner besides the 60+: people the office looks after anyway.
ELIGIBLE_TAGS = [Tag.DISABILITY, Tag.DISABLED_CARE, Tag.DIBAO, Tag.TEKUN]



def eligible_residents(point: ServicePoint):
    """Registered diners of a point: active residents of its sub-district, 60 or older or in a cared-for group."""
    cutoff = years_before(timezone.localdate(), ELIGIBLE_AGE)
    tagged = ResidentTag.objects.filter(tag__in=ELIGIBLE_TAGS).values("resident_id")
    return Resident.objects.active().filter(community__subdistrict_id=point.subdistrict_id).filter(
        Q(birth_date__lte=cutoff) | Q(pk__in=tagged))


# A name search at the counter needs the whole name, or two characters of it and the ID number's last four
# ("张春 0021"): anything less lists people the person at the counter has no card for.
_NAME_AND_LAST4 = re.compile(r"(?P<name>[^\W\d_]{2,})\s*(?P<last4>\d{3}[\dX])")


def eligible_search(point: ServicePoint, term: str, *, user):
    """The counter's look-up when there is no card: the whole name, or two characters of it with the ID
    number's last four, among the point's eligible diners that `user` may serve (a point's operator: all of
    them; staff: the residents of their own scope). No phone, address, pinyin or last-four-alone search:
    the counter is no registry."""
    term = (term or "").strip()[:20]
    people = eligible_residents(point)
    if not is_point_operator(user):
        people = people.filter(pk__in=Resident.objects.visible_to(user).values("pk"))
    found = _NAME_AND_LAST4.fullmatch(id_numbers.normalize(term).replace(" ", "")) if term else None
    if found:
        return filter_by_id_last4(people.filter(name__startswith=found["name"]), found["last4"])
    if term and not term.isascii() and len(term) >= 2:
        return people.filter(name=term)
    return people.none()


def counter_pick(point: ServicePoint, resident: Resident) -> str:
    """What a search result hands the preview instead of the resident's id: signed for this point, so a
    guessed or copied number names nobody."""
    return signing.dumps([point.pk, resident.pk], salt=PICK_SALT, compress=True)


def picked_resident(point: ServicePoint, token: str) -> Resident:
    """The resident a counter_pick names, if it was made at this point within PICK_MAX_AGE seconds."""
    try:
        point_id, resident_id = signing.loads(token, salt=PICK_SALT, max_age=PICK_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        raise ValidationError({"pick": "选择已失效，请重新查找。"}) from None
    resident = eligible_residents(point).filter(pk=resident_id).first() if point_id == point.pk else None
    if resident is None:
        raise ValidationError({"pick": "选择已失效，请重新查找。"})
    return resident


PICK_SALT = "jiedao.counter.pick"
PICK_MAX_AGE = 30 * 60  # a search result is for the diner standing at the counter now


@dataclass(frozen=True)
class Quote:
    full_price: Decimal
    price: Decimal
    subsidy: Decimal
    rule: str


# What a sub-district's counters price by, kept in the cache (every swipe reads it; it changes a few times a
# year): the full price of each meal and the discount rules. Saving or deleting a price or rule drops it
# (signals.pricing_changed), once the change is committed.
PRICING_KEY = "meal-pricing:v1:{}"
PRICING_SECONDS = 3600


@dataclass(frozen=True)
class Pricing:
    prices: dict[str, Decimal]
    rules: tuple[tuple[str, int | None, str, int], ...]  # (label, min_age, tag, pays %)

    @property
    def tags(self) -> set[str]:
        return {tag for _, _, tag, _ in self.rules if tag}


def pricing_of(subdistrict_id: int) -> Pricing:
    key = PRICING_KEY.format(subdistrict_id)
    pricing = cache.get(key)
    if pricing is None:
        pricing = Pricing(
            prices=dict(MealPrice.objects.filter(subdistrict_id=subdistrict_id).values_list("meal", "full_price")),
            rules=tuple(PriceRule.objects.filter(subdistrict_id=subdistrict_id).order_by("pk")
                        .values_list("label", "min_age", "tag", "pays_percent")))
        cache.set(key, pricing, PRICING_SECONDS)
    return pricing


def pricing_forget(subdistrict_id: int) -> None:
    transaction.on_commit(lambda: cache.delete(PRICING_KEY.format(subdistrict_id)))


def meal_quote(*, subdistrict_id: int, meal: str, age: int, tags: list[str], guest: bool = False) -> Quote:
    """What a diner pays: the lowest share among the rules they match (the older never pay more);
    a guest from outside the registry pays the full price."""
    pricing = pricing_of(subdistrict_id)
    full_price = pricing.prices.get(meal)
    if full_price is None:
        raise ValidationError({"meal": f"本街道还没有设置{MealType(meal).label}的标准价，请联系街道管理员。"})
    if guest:
        return Quote(full_price, full_price, Decimal("0.00"), "辖区外来宾（全价）")
    best: tuple[int, str] = (100, "标准价")
    for label, min_age, tag, pays_percent in pricing.rules:
        matched = (min_age is not None and min_age <= age) or (tag and tag in tags)
        if matched and pays_percent < best[0]:
            best = (pays_percent, label)
    price = share_of(full_price, best[0])
    return Quote(full_price, price, full_price - price, best[1])


def share_of(full_price: Decimal, pays_percent: int) -> Decimal:
    """What a diner paying `pays_percent` of `full_price` pays, to the fen (half up): the counter's rule,
    which the pricing page shows for each rule too."""
    return (full_price * pays_percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _diner(residents) -> tuple[Resident | None, list[str]]:
    """The one diner of `residents` with their tags, in one query: a row per tag (a join), not a second query
    for the tags — the counter does this on every swipe."""
    rows = list(residents.annotate(tag_code=F("tag_links__tag"))[:20])
    if not rows:
        return None, []
    return rows[0], sorted(row.tag_code for row in rows if row.tag_code)


def meal_preview(*, operator, point: ServicePoint, id_number: str | None = None, resident: Resident | None = None,
                 meal: str, on: date | None = None) -> dict[str, Any]:
    """Who this is and what they will pay, before the operator confirms (the same rules as check-in)."""
    _check_operator(operator, point)
    on = on or timezone.localdate()
    if resident is None:
        try:
            info = id_numbers.parse(id_number or "")
        except ValidationError as e:
            raise ValidationError({"id_number": e.messages}) from None
        resident, tags = _diner(filter_by_id_number(eligible_residents(point), info.number))
        if resident is None:
            registered = filter_by_id_number(Resident.objects.active().filter(
                community__subdistrict_id=point.subdistrict_id), info.number).exists()
            age = id_numbers.age_between(info.birth_date, on)
            if registered or age < ELIGIBLE_AGE:
                raise ValidationError({"id_number": "该居民不符合助餐条件（60 岁以上或低保、特困、残疾等）。"})
            quote = meal_quote(subdistrict_id=point.subdistrict_id, meal=meal, age=age, tags=[], guest=True)
            return {"resident": None, "guest_id_number": info.number, "name": "", "age": age, "quote": quote}
    else:
        resident, tags = _diner(eligible_residents(point).filter(pk=resident.pk))
        if resident is None:
            raise ValidationError({"resident": "该居民不符合本服务点的助餐条件。"})
    age = id_numbers.age_between(resident.birth_date, on)
    quote = meal_quote(subdistrict_id=point.subdistrict_id, meal=meal, age=age, tags=tags)
    return {"resident": resident, "guest_id_number": "", "name": resident.name, "age": age, "quote": quote}


def _check_operator(operator, point: ServicePoint) -> None:
    if not point.serves_meals or not point.active:
        raise ValidationError({"point": "该服务点不提供助餐。"})
    if is_point_operator(operator):
        if operator.service_point_id != point.pk:
            raise PermissionDenied("只能在自己所在的服务点登记。")
    elif not (checks_in_meals(operator)
              and ServicePoint.objects.visible_to(operator).filter(pk=point.pk).exists()):
        raise PermissionDenied("您不能在该服务点登记用餐。")


def meal_check_in(*, operator, point: ServicePoint, meal: str, id_number: str | None = None,
                  resident: Resident | None = None, on: date | None = None) -> Meal:
    """Check a diner in for a meal at `point`: price by the rules of the day, once per person and meal.

    Once is the unique constraints' to decide (a person's meal of a day, or a guest's by their number's index):
    no look-up first, so a swipe is the preview's reads, the insert and its audit entry, in one transaction."""
    if meal not in MealType.values:
        raise ValidationError({"meal": "请选择早餐、午餐或晚餐。"})
    on = on or timezone.localdate()
    found = meal_preview(operator=operator, point=point, id_number=id_number, resident=resident, meal=meal, on=on)
    quote = found["quote"]
    record = Meal(point=point, resident=found["resident"], guest_id_number=found["guest_id_number"],
                  name=found["name"], age=found["age"], meal=meal, date=on, full_price=quote.full_price,
                  price=quote.price, subsidy=quote.subsidy, rule=quote.rule, operator=operator)
    try:
        with transaction.atomic():
            record.save()
            audit.record(actor=operator, action=AuditAction.CREATE, target=record,
                         changes={"meal": meal, "price": str(quote.price), "guest": found["resident"] is None})
    except IntegrityError:
        # Taken already (a second swipe, or the same card at two counters at once): say where and when.
        who = Q(resident=found["resident"]) if found["resident"] else (
            Q(resident__isnull=True) & matches(Meal, "guest_id_number", found["guest_id_number"]))
        earlier = Meal.objects.filter(who, date=on, meal=meal).select_related("point").first()
        raise ValidationError({"id_number": _already(earlier, point)}) from None
    return record


def _already(earlier: Meal | None, point: ServicePoint) -> str:
    if earlier is None or earlier.point_id != point.pk:
        # Another point's records are not this counter's business: only that the meal was taken.
        return "此人今天的这一餐已在其他服务点登记，不能重复登记。"
    return (f"{earlier.name or '该来宾'} 今天的{earlier.get_meal_display()}已于 "
            f"{timezone.localtime(earlier.created_at):%H:%M} 在本点登记，不能重复登记。")


DEFAULT_PRICES = {MealType.BREAKFAST: Decimal("5.00"), MealType.LUNCH: Decimal("15.00"),
                  MealType.DINNER: Decimal("12.00")}
DEFAULT_RULES = [
    # (label, min_age, tag, pays %): the bands most sub-district canteens publish.
    ("60–69 岁", 60, "", 80), ("70–79 岁", 70, "", 60), ("80 岁以上", 80, "", 40),
    ("低保", None, Tag.DIBAO, 20), ("特困", None, Tag.TEKUN, 0), ("残疾人", None, Tag.DISABILITY, 50),
]


def default_pricing_ensure(*, subdistrict) -> None:
    if not MealPrice.objects.filter(subdistrict=subdistrict).exists():
        MealPrice.objects.bulk_create([MealPrice(subdistrict=subdistrict, meal=m, full_price=p)
                                       for m, p in DEFAULT_PRICES.items()])
        pricing_forget(subdistrict.pk)
    if not PriceRule.objects.filter(subdistrict=subdistrict).exists():
        PriceRule.objects.bulk_create([PriceRule(subdistrict=subdistrict, label=label, min_age=age, tag=tag,
                                                 pays_percent=pct) for label, age, tag, pct in DEFAULT_RULES])
        pricing_forget(subdistrict.pk)


@transaction.atomic
def meal_prices_save(*, actor, prices: dict[str, Decimal]) -> None:
    """Set the full price of each meal of the actor's sub-district."""
    if not can_manage_places(actor):
        raise PermissionDenied("只有街道管理员可以设置助餐价格。")
    for meal, full_price in prices.items():
        stored = MealPrice.objects.filter(subdistrict_id=actor.subdistrict_id, meal=meal).first()
        record = stored or MealPrice(subdistrict_id=actor.subdistrict_id, meal=meal)
        record.full_price = full_price
        # 15 typed over a stored 15.00 changes nothing: only a real change is saved and logged.
        audit.audited_save(actor=actor, obj=record, fields=["full_price"])


@transaction.atomic
def price_rule_save(*, actor, rule: PriceRule) -> PriceRule:
    """Add or change a discount rule; the age bands must not charge the older more."""
    if not can_manage_places(actor):
        raise PermissionDenied("只有街道管理员可以设置助餐优惠。")
    rule.subdistrict_id = actor.subdistrict_id

    def older_never_pay_more(rule):
        if rule.min_age is None:
            return
        bands = PriceRule.objects.filter(subdistrict_id=actor.subdistrict_id, min_age__isnull=False).exclude(pk=rule.pk)
        younger_cheaper = bands.filter(min_age__lt=rule.min_age, pays_percent__lt=rule.pays_percent).first()
        if younger_cheaper is not None:
            raise ValidationError({"pays_percent": f"年龄越大付费不能越高：{younger_cheaper.label} 只需付 "
                                                   f"{younger_cheaper.pays_percent}%。"})

    return audit.audited_save(actor=actor, obj=rule, fields=PRICE_RULE_FIELDS, validate=older_never_pay_more,
                              guard=audit.own_subdistrict(actor, "只能修改本街道的规则。"))


PRICE_RULE_FIELDS = ["label", "min_age", "tag", "pays_percent"]


# --- meal delivery and other enrolments -------------------------------------------------------------

ENROLMENT_FIELDS = ["kind", "point_id", "provider", "since", "ended_on", "notes"]


@transaction.atomic
def enrolment_save(*, actor, enrolment: CareEnrolment) -> CareEnrolment:
    """Enrol a resident of the actor's scope in a care service (or change/end an enrolment)."""
    if not enrols_care(actor):
        raise PermissionDenied("只有社区工作人员和街道管理员可以登记服务。")
    if not Resident.objects.visible_to(actor).filter(pk=enrolment.resident_id).exists():
        raise ValidationError({"resident": "该居民不在您的管辖范围内。"})
    if enrolment.point_id and not ServicePoint.objects.visible_to(actor).filter(pk=enrolment.point_id).exists():
        raise ValidationError({"point": "该服务点不在您的管辖范围内。"})
    if enrolment.ended_on and enrolment.ended_on < enrolment.since:
        raise ValidationError({"ended_on": "结束日期不能早于开始日期。"})
    if enrolment.kind == EnrolmentKind.MEAL_DELIVERY and enrolment.point_id and not (
            enrolment.point.serves_meals and enrolment.point.active):
        raise ValidationError({"point": "送餐须选择启用中的老年食堂或助餐点。"})
    return audit.audited_save(actor=actor, obj=enrolment, fields=ENROLMENT_FIELDS)


@transaction.atomic
def service_log_add(*, actor, enrolment: CareEnrolment, notes: str, at=None) -> ServiceLog:
    if not logs_care(actor):
        raise PermissionDenied("您的角色不能记录服务。")
    log = ServiceLog(enrolment=enrolment, at=at or timezone.now(), by=actor, notes=(notes or "").strip())
    log.full_clean()
    log.save()
    return log


def _delivery_enrolments(point: ServicePoint, day: date, user):
    """Who is on a point's round that day; staff see only their own residents on a shared point's round."""
    enrolments = (CareEnrolment.objects.filter(point=point, kind=EnrolmentKind.MEAL_DELIVERY, since__lte=day)
                  .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day)).filter(resident__status=Status.ACTIVE))
    if not is_point_operator(user):
        enrolments = enrolments.filter(resident__in=Resident.objects.visible_to(user))
    return enrolments


def delivery_list(point: ServicePoint, day: date, user, meal: str = MealType.LUNCH) -> list[dict]:
    """The day's round for a point: everyone enrolled for delivery on that day, with what was recorded."""
    enrolments = (_delivery_enrolments(point, day, user).select_related("resident")
                  .order_by("resident__estate", "resident__building", "resident__unit", "resident__room"))
    done = {d.enrolment_id: d for d in MealDelivery.objects.filter(point=point, date=day, meal=meal)}
    return [{"enrolment": e, "resident": e.resident, "delivery": done.get(e.pk)} for e in enrolments]


@transaction.atomic
def delivery_record(*, actor, enrolment: CareEnrolment, day: date, status: str, reason: str = "",
                    meal: str = MealType.LUNCH) -> MealDelivery:
    """Mark a delivery delivered, or missed with why; recording again corrects the day's entry."""
    point = enrolment.point
    if is_point_operator(actor):
        if actor.service_point_id != point.pk:
            raise PermissionDenied("只能记录本服务点的送餐。")
    elif not (enrols_care(actor) and ServicePoint.objects.visible_to(actor).filter(pk=point.pk).exists()):
        raise PermissionDenied("您不能记录该服务点的送餐。")
    if day > timezone.localdate() or day < timezone.localdate() - timedelta(days=31):
        raise ValidationError({"date": "只能记录最近一个月内的送餐。"})
    if status not in DeliveryStatus.values:
        raise ValidationError({"status": "请选择“已送达”或“未送达”。"})
    if not _delivery_enrolments(point, day, actor).filter(pk=enrolment.pk).exists():
        raise ValidationError({"enrolment": "该居民当天不在本点的送餐名单上。"})
    reason = (reason or "").strip()
    if status == DeliveryStatus.MISSED and not reason:
        raise ValidationError({"reason": "请写明未送达的原因（如：老人外出、住院、拒收）。"})
    if len(reason) > 200:
        raise ValidationError({"reason": "原因请控制在 200 字以内。"})
    delivery, _ = MealDelivery.objects.update_or_create(
        enrolment=enrolment, date=day, meal=meal,
        defaults={"point": point, "status": status, "reason": reason if status == DeliveryStatus.MISSED else "",
                  "by": actor})
    return delivery
