"""Everything a person receives, in one place, and the overlaps the rules forbid or flag."""

from collections import Counter

from django.db.models import Count, Q, Sum

from jiedao.selectors import fen
from residents.models import Resident

from .models import Case, CaseKind, CaseState, Disbursement

LIVE = [CaseState.APPROVED, CaseState.DISBURSED]


def benefits_of(resident: Resident) -> dict:
    """Cases and payments of the resident, as applicant and as a member of their household, the meal
    subsidies they ate, and warnings: 低保 and 特困 at once, two temporary payments in one month, any
    benefit dated after a death."""
    from elderly_care.models import Meal

    household_ids = [resident.pk]
    if resident.household_id:
        household_ids = list(Resident.objects.filter(household_id=resident.household_id).values_list("pk", flat=True))
    cases = (Case.objects.filter(resident_id__in=household_ids).select_related("resident")
             .prefetch_related("disbursements").order_by("-opened_at"))
    payments = Disbursement.objects.filter(case__resident_id__in=household_ids).select_related("case__resident")
    meals = Meal.objects.filter(resident=resident).aggregate(subsidy=Sum("subsidy"), meals=Count("id"))
    warnings = []
    live = {c.kind for c in cases if c.state in LIVE and c.resident_id == resident.pk}
    if {CaseKind.DIBAO, CaseKind.TEKUN} <= live:
        warnings.append("同时享受低保和特困供养：两者不能同时享受，请核查。")
    temporary = Counter(p.paid_on.strftime("%Y-%m") for p in payments
                        if p.case.kind == CaseKind.TEMPORARY and p.case.resident_id == resident.pk)
    for month, n in sorted(temporary.items()):
        if n > 1:
            warnings.append(f"{month} 有 {n} 笔临时救助发放：同一月内一般只发放一次，请核查。")
    if resident.status == "deceased" and resident.status_date:
        after = payments.filter(case__resident=resident, paid_on__gt=resident.status_date).count()
        late_meals = Meal.objects.filter(resident=resident, date__gt=resident.status_date).count()
        if after or late_meals:
            warnings.append(f"居民已于 {resident.status_date:%Y-%m-%d} 去世，之后仍有 {after} 笔发放、"
                            f"{late_meals} 次助餐补贴，请核查。")
    return {
        "cases": list(cases), "warnings": warnings,
        "paid_total": fen(payments.filter(case__resident=resident).aggregate(t=Sum("amount"))["t"]),
        "household_paid_total": fen(payments.filter(~Q(case__resident=resident)).aggregate(t=Sum("amount"))["t"]),
        "meal_subsidy": fen(meals["subsidy"]), "meal_count": meals["meals"] or 0,
    }


def disbursement_totals(disbursements) -> dict:
    """The total paid out by a filtered disbursement queryset (the list's summary line)."""
    return {"amount": fen(disbursements.order_by().aggregate(amount=Sum("amount"))["amount"])}
