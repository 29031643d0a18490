"""The demo's relief cases (seed_demo calls this after the registry's own seed)."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from jiedao import bulk
from jiedao.dates import add_months, month_end
from jiedao.models import Role, User
from residents.models import Resident, ResidentTag, Subdistrict

from . import services
from .models import Case, CaseKind, CaseState, CaseTransition, Disbursement, Wish, WishState, WishTransition
from .workflow import FORWARD, WISH_FORWARD

# Monthly aid (低保, 特困) is paid on this day of each month, for that month.
PAY_DAY = 10
# How long the office has run each step in the demo, in days from the application: every case was opened
# in the last half year, and each step followed the one before by a few days (the approval at least one
# publicity period after the notice).
STEP_DAYS = {CaseState.COMMUNITY_REVIEWED: (2, 6), CaseState.SUBDISTRICT_REVIEWED: (3, 10),
             CaseState.PUBLICIZED: (1, 4), CaseState.APPROVED: (8, 12), CaseState.DISBURSED: (2, 8),
             CaseState.CLOSED: (30, 90), CaseState.REJECTED: (2, 10)}


@transaction.atomic  # one commit, not one per step: the walk takes hundreds of small transactions
def seed_cases(*, subdistrict: Subdistrict, seed: int = 1, walk: bool = True) -> int:
    """Relief cases of every kind in every state, walked through the real workflow (so each has its
    history), then dated as the office would have worked them over the past months; payments that match
    their cases (a monthly case paid every month since its approval); and the 低保 / 特困 households the
    office already paid before the portal, with a year of payments. With walk=False only the latter (the
    district's other sub-districts: walking takes seconds per sub-district). A second call adds nothing."""
    if Case.objects.filter(resident__community__subdistrict=subdistrict).exists():
        return 0
    rng = random.Random(seed)
    staff = User.objects.filter(subdistrict=subdistrict, role=Role.COMMUNITY_STAFF).order_by("id").first()
    admin = User.objects.filter(subdistrict=subdistrict, role=Role.SUBDISTRICT_ADMIN).order_by("id").first()
    if staff is None or admin is None:
        return 0
    today = timezone.localdate()
    if not walk:
        return _legacy_cases(subdistrict=subdistrict, admin=admin, rng=rng, today=today)
    people = list(Resident.objects.visible_to(staff).active().order_by("id")[:400])
    rng.shuffle(people)
    sizes = _household_sizes([p.household_id for p in people])
    path = [CaseState.APPLIED, *[to for to, _ in FORWARD.values()]]
    made = 0
    # 微心愿 are wishes now (seed_wishes), not cases.
    for k, kind in enumerate([kind for kind in CaseKind if kind not in services.RETIRED_KINDS]):
        for target in [*path, CaseState.REJECTED]:
            if not people:  # a small demo has fewer people in the staff member's community than cases
                break
            resident = people.pop()
            size = sizes.get(resident.household_id, 1)
            case = services.case_open(actor=staff, resident=resident, kind=kind, data={
                "reason": rng.choice(["突发重病，医疗费用高", "家庭成员失业，收入骤降", "独居老人，生活困难",
                                      "残疾人家庭，需要无障碍改造"]),
                "requested_amount": Decimal(rng.choice([500, 800, 1200, 3000])),
                # The household as the registry has it, with an income below the local line per head.
                "household_size": size, "monthly_income": Decimal(rng.randint(200, 1100) * size)})
            steps = _dates(rng, target, today, publicity_over=k % 2 == 0)
            state = CaseState.APPLIED
            while state != target:
                if target == CaseState.REJECTED:
                    services.case_transition(actor=staff, case=case, to=CaseState.REJECTED, comment="收入超过当地标准")
                    break
                to, roles = FORWARD[state]
                actor = staff if staff.role in roles else admin
                if to == CaseState.APPROVED:  # the publicity period is over
                    Case.objects.filter(pk=case.pk).update(publicized_on=today - timedelta(days=8))
                if to == CaseState.DISBURSED:
                    services.disbursement_add(actor=admin, case=case, amount=case.approved_amount, paid_on=today,
                                              method="bank", period_from=today.replace(day=1) if case.ongoing else None)
                case = services.case_transition(actor=actor, case=case, to=to, comment="同意")
                state = to
            _redate(case, steps, admin=admin, today=today)
            made += 1
    return made + _legacy_cases(subdistrict=subdistrict, admin=admin, rng=rng, today=today)


def _household_sizes(household_ids) -> dict:
    return dict(Resident.objects.active().filter(household_id__in=[h for h in household_ids if h])
                .values_list("household_id").annotate(n=Count("id")).order_by())


def _dates(rng: random.Random, target: str, today: date, *, publicity_over: bool) -> dict:
    """The day each step of a case on its way to `target` was taken, the application first: spread over
    the past months and ending before today. A case waiting in 公示 has had its notice up for longer than
    the publicity period on every other kind (so a newcomer can approve it today) and for a few days on
    the rest."""
    states = [CaseState.APPLIED, *[to for to, _ in FORWARD.values()]]
    taken = states[:states.index(target) + 1] if target != CaseState.REJECTED else [CaseState.APPLIED,
                                                                                   CaseState.REJECTED]
    gaps = [0, *(rng.randint(*STEP_DAYS[s]) for s in taken[1:])]
    if target == CaseState.PUBLICIZED:
        end = today - timedelta(days=rng.randint(9, 14) if publicity_over else rng.randint(2, 4))
    elif target == CaseState.APPLIED:
        end = today - timedelta(days=rng.randint(1, 5))
    else:
        end = today - timedelta(days=rng.randint(1, 150))
    day = end - timedelta(days=sum(gaps))
    dates = {}
    for state, gap in zip(taken, gaps, strict=True):
        day += timedelta(days=gap)
        dates[state] = day
    return dates


def _at(day: date, rng_minutes: int = 0) -> datetime:
    return datetime.combine(day, time(9, 30), tzinfo=timezone.get_current_timezone()) + timedelta(minutes=rng_minutes)


def _redate(case: Case, dates: dict, *, admin, today: date) -> None:
    """Give a walked case the days its steps were taken (the services wrote them all today), and the
    payments of a paid case: a one-off one on the day it moved to 发放, a monthly one each month since."""
    for n, step in enumerate(case.transitions.order_by("id")):
        CaseTransition.objects.filter(pk=step.pk).update(at=_at(dates[step.to_state], n))
    fields = {"opened_at": _at(dates[CaseState.APPLIED])}
    if CaseState.PUBLICIZED in dates:
        fields["publicized_on"] = dates[CaseState.PUBLICIZED]
    Case.objects.filter(pk=case.pk).update(**fields)
    if CaseState.DISBURSED not in dates:
        return
    first = dates[CaseState.DISBURSED]
    payment = case.disbursements.get()
    if not case.ongoing:
        Disbursement.objects.filter(pk=payment.pk).update(paid_on=first)
        return
    until = dates.get(CaseState.CLOSED, today)
    Disbursement.objects.filter(pk=payment.pk).update(paid_on=first, period_from=first.replace(day=1),
                                                      period_to=month_end(first), period_month=first.replace(day=1))
    Disbursement.objects.bulk_create(_monthly(case, after=first, until=until, by=admin))


def _monthly(case: Case, *, after: date, until: date, by) -> list[Disbursement]:
    """A monthly case's payments for every month after the one of `after`, paid on PAY_DAY, up to `until`."""
    return [Disbursement(case=case, amount=case.approved_amount, paid_on=month.replace(day=PAY_DAY), method="bank",
                         period_from=month, period_to=month_end(month), period_month=month, by=by)
            for month in _pay_months(after=after, until=until)]


def _pay_months(*, after: date, until: date) -> list[date]:
    """The first days of the months after the one of `after` whose PAY_DAY is not later than `until`."""
    months = []
    month = add_months(after.replace(day=1), 1)
    while month.replace(day=PAY_DAY) <= until:
        months.append(month)
        month = add_months(month, 1)
    return months


LEGACY_CASE_FIELDS = ["id", "resident_id", "kind", "state", "reason", "household_size", "monthly_income",
                      "requested_amount", "approved_amount", "created_by_id", "review_due", "opened_at"]


def _legacy_cases(*, subdistrict: Subdistrict, admin, rng: random.Random, today: date) -> int:
    """The 低保 and 特困 households the office already paid (tagged by the registry's seed) get their case,
    as a migration from the old ledger would bring them in: one entry saying so, no invented steps, the
    household as registered, the amount the ledger paid, and its payments of the past year.

    Written as rows (jiedao.bulk), dated as they are: a district has twenty thousand such cases and a quarter
    of a million payments, which bulk_create made into model instances one by one, and then dated by UPDATE."""
    legacy = list(ResidentTag.objects.filter(resident__community__subdistrict=subdistrict, tag__in=["dibao", "tekun"])
                  .exclude(resident__cases__kind__in=["dibao", "tekun"])
                  .values_list("resident_id", "tag", "resident__household_id"))
    if not legacy:
        return 0
    sizes = _household_sizes([household for _, _, household in legacy])
    year_ago = add_months(today.replace(day=1), -12)
    # Decided long before the portal: dated a year back, so past months' figures hold them, and paid
    # every month since (the month they came in too).
    opened = _at(year_ago)
    first = bulk.reserve_ids(Case, len(legacy))
    cases = []
    for n, (pk, tag, household) in enumerate(legacy):
        size = sizes.get(household, 1)
        amount = Decimal(rng.choice([600, 800, 1000, 1200]) * size) if tag == "dibao" else Decimal("2400")
        cases.append((first + n, pk, tag, CaseState.DISBURSED, "系统上线前的在册对象（台账补录）", size,
                      Decimal(rng.randint(0, 600) * size), amount, amount, admin.pk,
                      today + timedelta(days=rng.randint(1, 180)), opened))
    bulk.Loader(Case, LEGACY_CASE_FIELDS).write(cases)
    bulk.Loader(CaseTransition, ["case_id", "from_state", "to_state", "by_id", "comment", "at"]).write(
        (case[0], "", CaseState.DISBURSED, admin.pk, "台账补录", opened) for case in cases)
    months = _pay_months(after=add_months(year_ago, -1), until=today)  # the year-ago month itself first
    bulk.Loader(Disbursement, ["case_id", "amount", "paid_on", "method", "period_from", "period_to", "period_month",
                               "by_id"]).write(
        (case[0], case[8], month.replace(day=PAY_DAY), "bank", month, month_end(month), month, admin.pk)
        for case in cases for month in months)
    return len(cases)


# The wishes of the demo: mostly children's (困境儿童, 留守儿童), some of elders in difficulty, as the offices'
# reports say; each (wish, value in yuan, story).
CHILD_WISHES = [("一套水彩笔", 60, "喜欢画画，想画下社区的梧桐树。"), ("一个新书包", 120, "旧书包背了三年，拉链坏了。"),
                ("一双运动鞋", 150, "参加了学校的田径队。"), ("一套课外读物", 90, "最爱读科普书。"),
                ("一台护眼台灯", 130, "晚上在小桌上写作业。"), ("一个篮球", 80, "放学后想和同学一起打球。"),
                ("一件冬季棉服", 200, "去年的棉服已经小了。"), ("一套绘本", 70, "弟弟妹妹也能一起看。")]
ELDER_WISHES = [("一台收音机", 100, "独居，喜欢听戏曲。"), ("一副老花镜", 50, "看报纸越来越吃力。"),
                ("一个电热水袋", 40, "冬天手脚冰凉。"), ("一根助行拐杖", 80, "膝盖不好，出门不便。")]
WISH_PATH_STATES = [WishState.COLLECTED, *[to for to, _ in WISH_FORWARD.values()]]
DONORS = [("和平里小学志愿者团队", "010-64001234"), ("东园社区党支部", "010-64005678"), ("李先生", "139****2266"),
          ("爱心企业：和平超市", "010-64009999")]


@transaction.atomic
def seed_wishes(*, subdistrict: Subdistrict, seed: int = 1) -> int:
    """微心愿 in every state, walked through the real path (each with its steps), collected over the past
    months: children's wishes of the tagged children first, then elders'. A second call adds nothing."""
    if Wish.objects.filter(resident__community__subdistrict=subdistrict).exists():
        return 0
    rng = random.Random(seed)
    staff = User.objects.filter(subdistrict=subdistrict, role=Role.COMMUNITY_STAFF).order_by("id").first()
    admin = User.objects.filter(subdistrict=subdistrict, role=Role.SUBDISTRICT_ADMIN).order_by("id").first()
    if staff is None or admin is None:
        return 0
    today = timezone.localdate()
    ours = Resident.objects.visible_to(staff).active()
    children = list(ours.filter(tag_links__tag__in=["child_in_difficulty", "left_behind_child", "orphan"])
                    .distinct().order_by("id")[:len(CHILD_WISHES) * 2])
    # Elders' wishes make up the rest of a dozen at least (so every state has one, however few children).
    elders = list(ours.filter(tag_links__tag__in=["living_alone", "childless_widowed"]).distinct().order_by("id")
                  [:max(len(ELDER_WISHES), 12 - len(children))])
    targets = [*WISH_PATH_STATES, WishState.WITHDRAWN]
    made = 0
    people = [(r, CHILD_WISHES[i % len(CHILD_WISHES)]) for i, r in enumerate(children)]
    people += [(r, ELDER_WISHES[i % len(ELDER_WISHES)]) for i, r in enumerate(elders)]
    for n, (resident, (text, value, story)) in enumerate(people):
        target = targets[n % len(targets)]
        wish = services.wish_collect(actor=staff, resident=resident, data={"wish": text, "value": Decimal(value),
                                                                          "story": story})
        collected = today - timedelta(days=rng.randint(20, 170))
        day = collected
        steps = {WishState.COLLECTED: day}
        state = WishState.COLLECTED
        while state != target:
            day = min(day + timedelta(days=rng.randint(2, 9)), today)
            if target == WishState.WITHDRAWN:
                services.wish_transition(actor=staff, wish=wish, to=WishState.WITHDRAWN,
                                         comment="家庭情况好转，本人撤回")
                steps[WishState.WITHDRAWN] = day
                break
            to, roles = WISH_FORWARD[state]
            actor = staff if staff.role in roles else admin
            extra = {}
            if to == WishState.CLAIMED:
                extra = dict(zip(("donor", "donor_contact"), rng.choice(DONORS), strict=True))
            if to == WishState.FULFILLED:
                extra = {"fulfilled_on": today, "note": "已送到家中，当面转交。"}  # redated below
            wish = services.wish_transition(actor=actor, wish=wish, to=to, comment="同意", **extra)
            steps[to] = day
            state = to
        Wish.objects.filter(pk=wish.pk).update(created_at=_at(collected),
                                               fulfilled_on=steps.get(WishState.FULFILLED))
        for k, step in enumerate(wish.transitions.order_by("id")):
            WishTransition.objects.filter(pk=step.pk).update(at=_at(steps[step.to_state], k))
        made += 1
    return made
