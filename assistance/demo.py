"""The demo's relief cases (seed_demo calls this after the registry's own seed)."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from jiedao.models import Role, User
from residents.models import Resident, ResidentTag, Subdistrict

from . import services
from .models import Case, CaseKind, CaseState, CaseTransition
from .workflow import FORWARD


def seed_cases(*, subdistrict: Subdistrict, seed: int = 1) -> int:
    """Relief cases of every kind in every state, walked through the real workflow (so each has its
    history), with disbursements for the paid ones. A second call adds nothing."""
    if Case.objects.filter(resident__community__subdistrict=subdistrict).exists():
        return 0
    rng = random.Random(seed)
    staff = User.objects.filter(subdistrict=subdistrict, role=Role.COMMUNITY_STAFF).order_by("id").first()
    admin = User.objects.filter(subdistrict=subdistrict, role=Role.SUBDISTRICT_ADMIN).order_by("id").first()
    if staff is None or admin is None:
        return 0
    people = list(Resident.objects.visible_to(staff).active().order_by("id")[:400])
    rng.shuffle(people)
    path = [CaseState.APPLIED, *[to for to, _ in FORWARD.values()]]
    made = 0
    for kind in CaseKind:
        for target in [*path, CaseState.REJECTED]:
            resident = people.pop()
            case = services.case_open(actor=staff, resident=resident, kind=kind, data={
                "reason": rng.choice(["突发重病，医疗费用高", "家庭成员失业，收入骤降", "独居老人，生活困难",
                                      "残疾人家庭，需要无障碍改造"]),
                "requested_amount": Decimal(rng.choice([500, 800, 1200, 3000])),
                "household_size": rng.randint(1, 4), "monthly_income": Decimal(rng.randint(300, 2000))})
            state = CaseState.APPLIED
            while state != target:
                if target == CaseState.REJECTED:
                    services.case_transition(actor=staff, case=case, to=CaseState.REJECTED, comment="收入超过当地标准")
                    break
                to, roles = FORWARD[state]
                actor = staff if staff.role in roles else admin
                if to == CaseState.APPROVED:  # the publicity period is over
                    Case.objects.filter(pk=case.pk).update(publicized_on=timezone.localdate() - timedelta(days=8))
                if to == CaseState.DISBURSED:
                    today = timezone.localdate()
                    services.disbursement_add(actor=admin, case=case, amount=case.approved_amount, paid_on=today,
                                              method="bank", period_from=today.replace(day=1) if case.ongoing else None)
                case = services.case_transition(actor=actor, case=case, to=to, comment="同意")
                state = to
            made += 1
    # The 低保 and 特困 households the office already pays (tagged by the seed) get their case too, as
    # a migration from the old ledger would bring them in: one entry saying so, no invented steps.
    legacy = list(ResidentTag.objects.filter(resident__community__subdistrict=subdistrict, tag__in=["dibao", "tekun"])
                  .exclude(resident__cases__kind__in=["dibao", "tekun"]).values_list("resident_id", "tag"))
    cases = Case.objects.bulk_create([
        Case(resident_id=pk, kind=tag, state=CaseState.DISBURSED, reason="系统上线前的在册对象（台账补录）",
             household_size=1, monthly_income=Decimal("0"), created_by=admin,
             review_due=timezone.localdate() + timedelta(days=rng.randint(1, 180))) for pk, tag in legacy])
    CaseTransition.objects.bulk_create([
        CaseTransition(case=case, from_state="", to_state=CaseState.DISBURSED, by=admin, comment="台账补录")
        for case in cases])
    # They were decided long before the portal: dated a year back, so past months' figures hold them.
    year_ago = timezone.now() - timedelta(days=365)
    legacy_cases = Case.objects.filter(resident__community__subdistrict=subdistrict, reason__startswith="系统上线前")
    legacy_cases.update(opened_at=year_ago)
    CaseTransition.objects.filter(case__in=legacy_cases).update(at=year_ago)
    return made + len(cases)
