"""The demo's meals, deliveries and home-care beds (seed_demo calls this after the registry's own seed)."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from jiedao import bulk
from jiedao.dates import years_before
from jiedao.models import Role, User
from residents import demo as places
from residents import id_numbers
from residents.models import Resident, ResidentTag, Subdistrict, Tag

from . import services as care
from .models import CareEnrolment, Meal, MealDelivery, ServiceLog


@transaction.atomic
def seed_care(*, subdistrict: Subdistrict, days: int = 60, seed: int = 1, now=None, regulars_share: float = 1 / 8,
              fresh: bool = False) -> int:
    """At the service points (residents.demo.seed_points): meal prices and rules, meal delivery and
    home-care-bed enrolments, and `days` days of canteen meals: lunch for most regulars, breakfast and
    dinner for some. A second call adds nothing. `fresh`: the caller knows the sub-district has no meals yet
    (asked before a load dropped the table's indexes: during it, asking reads every meal)."""
    if not fresh and Meal.objects.filter(point__subdistrict=subdistrict).exists():
        return 0
    points = places.seed_points(subdistrict=subdistrict, seed=seed)
    rng = random.Random(seed)
    today = timezone.localdate(now)
    care.default_pricing_ensure(subdistrict=subdistrict)
    canteens = [p for p in points if p.serves_meals]
    operator = User.objects.filter(subdistrict=subdistrict, role=Role.POINT_OPERATOR).first() or \
        User.objects.filter(subdistrict=subdistrict, role=Role.SUBDISTRICT_ADMIN).first()
    if operator is None:
        return 0
    eligible = list(care.eligible_residents(canteens[0]).values_list("pk", "name", "birth_date", "community_id"))
    tags: dict[int, list[str]] = {}
    for pk, tag in ResidentTag.objects.filter(resident_id__in=[e[0] for e in eligible]).values_list(
            "resident_id", "tag"):
        tags.setdefault(pk, []).append(tag)
    regulars = rng.sample(eligible, k=min(len(eligible), max(1, int(len(eligible) * regulars_share))))
    quotes: dict = {}
    columns = ["point_id", "resident_id", "name", "age", "meal", "date", "full_price", "price", "subsidy", "rule",
               "operator_id"]

    diners = [(pk, name, birth, community_id, tuple(sorted(tags.get(pk, []))))
              for pk, name, birth, community_id in regulars]

    def day_of_meals(day):
        for pk, name, birth, community_id, their_tags in diners:
            if birth > day:
                continue  # a disabled child born this year ate nothing before
            age = id_numbers.age_between(birth, day)
            for meal, chance in (("breakfast", 0.15), ("lunch", 0.7), ("dinner", 0.2)):
                if rng.random() >= chance:
                    continue
                key = (meal, age, their_tags)
                if key not in quotes:
                    quotes[key] = care.meal_quote(subdistrict_id=subdistrict.pk, meal=meal, age=age,
                                                  tags=list(key[2]))
                quote = quotes[key]
                point = canteens[0] if community_id == canteens[0].community_id or len(canteens) == 1 \
                    else rng.choice(canteens)
                yield (point.pk, pk, name, age, meal, day, quote.full_price, quote.price, quote.subsidy, quote.rule,
                       operator.pk)

    # A year of meals at a large sub-district is a million rows: streamed, a day at a time.
    loader = bulk.Loader(Meal, columns)
    with bulk.rebuilt_indexes(Meal, adding=len(regulars) * days):
        for back in range(days, 0, -1):
            # A day's rows made before they are written: a first quote reads the prices, which it could not
            # while a COPY runs on the connection.
            loader.write(list(day_of_meals(today - timedelta(days=back))))
    written = loader.written
    # Meal delivery for those who cannot come: lost capacity, or living alone at 80+.
    frail = Resident.objects.active().filter(community__subdistrict=subdistrict).filter(
        pk__in=ResidentTag.objects.filter(tag=Tag.DISABLED_CARE).values("resident_id")) | \
        Resident.objects.active().filter(community__subdistrict=subdistrict, birth_date__lte=years_before(today, 80),
                                         pk__in=ResidentTag.objects.filter(tag=Tag.LIVING_ALONE).values("resident_id"))
    # Read once, in no order (the list's pinyin order walked the whole index checking both tags: 220 ms a
    # sub-district at a million, asked twice), then taken by id.
    frail = sorted(frail.order_by().values_list("pk", flat=True))
    enrolments = CareEnrolment.objects.bulk_create([
        CareEnrolment(resident_id=pk, kind="meal_delivery", point=canteens[0], since=today - timedelta(days=days))
        for pk in frail[:60]])
    deliveries = []
    for back in range(14, 0, -1):
        for enrolment in enrolments:
            missed = rng.random() < 0.05
            deliveries.append(MealDelivery(enrolment=enrolment, point=canteens[0], date=today - timedelta(days=back),
                                           status="missed" if missed else "delivered",
                                           reason=rng.choice(["老人外出", "住院", "家属接走"]) if missed else "",
                                           by=operator))
    MealDelivery.objects.bulk_create(deliveries, batch_size=2000)
    beds = CareEnrolment.objects.bulk_create([
        CareEnrolment(resident_id=pk, kind="home_care_bed", provider="和平里居家养老服务有限公司",
                      since=today - timedelta(days=rng.randint(30, 300)))
        for pk in frail[60:75]])
    ServiceLog.objects.bulk_create([
        ServiceLog(enrolment=bed, at=timezone.now() - timedelta(days=d), by=operator,
                   notes=rng.choice(["助浴", "康复训练", "测量血压", "上门保洁"]))
        for bed in beds for d in (3, 10)])
    return written
