from datetime import date

from django.db.models import Count, Q, Sum

from jiedao.dates import add_months, years_before
from jiedao.money import fen
from residents.models import Resident, ResidentTag, Tag

from .models import CareEnrolment, DeliveryStatus, EnrolmentKind, Meal, MealDelivery

# Distinct people: registered diners by resident, guests by their ID number (its keyed index: the number itself
# is stored encrypted, a different ciphertext each meal).
DINERS = Count("resident", distinct=True) + Count("guest_id_index", distinct=True, filter=Q(resident__isnull=True))


def meal_totals(meals) -> dict:
    """Diners (distinct people), what they paid and the subsidy, of a filtered meal queryset."""
    totals = meals.order_by().aggregate(diners=DINERS, paid=Sum("price"), subsidy=Sum("subsidy"))
    for key in ("paid", "subsidy"):
        totals[key] = fen(totals[key])
    return totals


def meal_stats(user, month: date) -> dict:
    """A month at the canteens in the user's scope: meals and distinct diners per point and day,
    and per point the month's meals, diners, what diners paid and the subsidy to claim."""
    first = month.replace(day=1)
    meals = Meal.objects.visible_to(user).filter(date__gte=first, date__lt=add_months(first, 1))
    by_day = list(meals.values("point_id", "point__name", "date").annotate(meals=Count("id"), diners=DINERS)
                  .order_by("point__name", "date"))
    by_point = list(meals.values("point_id", "point__name").annotate(
        meals=Count("id"), diners=DINERS, paid=Sum("price"), subsidy=Sum("subsidy")).order_by("point__name"))
    totals = meals.aggregate(meals=Count("id"), paid=Sum("price"), subsidy=Sum("subsidy"))
    for row in [*by_point, totals]:
        for key in ("paid", "subsidy"):
            row[key] = fen(row[key])
    deliveries = (MealDelivery.objects.visible_to(user).filter(date__gte=first, date__lt=add_months(first, 1))
                  .values("point_id", "point__name").annotate(
                      delivered=Count("id", filter=Q(status=DeliveryStatus.DELIVERED)),
                      missed=Count("id", filter=Q(status=DeliveryStatus.MISSED)))
                  .order_by("point__name"))
    return {"month": first, "by_day": by_day, "by_point": by_point, "totals": totals, "deliveries": list(deliveries)}


def delivery_candidates(user, limit: int = 100):
    """Who may need meals brought (lost capacity, or living alone at 80+) and has no delivery yet."""
    alone_80 = Q(birth_date__lte=years_before(date.today(), 80),
                 pk__in=ResidentTag.objects.filter(tag=Tag.LIVING_ALONE).values("resident_id"))
    frail = Q(pk__in=ResidentTag.objects.filter(tag=Tag.DISABLED_CARE).values("resident_id"))
    enrolled = (CareEnrolment.objects.filter(kind=EnrolmentKind.MEAL_DELIVERY, ended_on__isnull=True)
                .values("resident_id"))
    return (Resident.objects.visible_to(user).active().filter(alone_80 | frail).exclude(pk__in=enrolled)
            .select_related("grid").order_by("community_id", "name_pinyin")[:limit])
