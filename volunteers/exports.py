"""The volunteers' lists as spreadsheets, masked as on the lists (the national system's full-number upload is
its own export, for the sub-district admin only: volunteers.national)."""

from collections import Counter

from django.db.models import Max, QuerySet
from django.utils import timezone

from jiedao.exports import Columns, ExportList, choice, local
from jiedao.scope import reads_registry, reads_volunteers
from residents.id_numbers import mask, mask_phone

from .choices import Rhythm, VolunteerStatus, next_visit_due
from .filters import ActivityFilterSet, PairingFilterSet, ServiceOrderFilterSet, TeamFilterSet, VolunteerFilterSet
from .models import Activity, Attendance, Pairing, PairingVisit, ServiceOrder, SignUp, Team, TeamMembership, Volunteer

VOLUNTEER_COLUMNS = Columns(
    fields=("id", "name", "id_number", "phone", "community__name", "skills", "availability", "party_member",
            "work_unit", "status", "resident_id"),
    items=[
        ("姓名", lambda r: r["name"], 10),
        ("身份证号", lambda r: mask(r["id_number"]), 22),
        ("联系电话", lambda r: mask_phone(r["phone"]), 14),
        ("所在社区", lambda r: r["community__name"] or "全街道", 16),
        ("特长", lambda r: r["skills"], 20),
        ("可服务时间", lambda r: r["availability"], 14),
        ("在职党员", lambda r: "是" if r["party_member"] else "否", 8),
        ("工作单位", lambda r: r["work_unit"], 20),
        ("本辖区居民", lambda r: "是" if r["resident_id"] else "否", 10),
        ("状态", choice("status", VolunteerStatus), 8),
    ],
)


def _member_counts(queryset: QuerySet):
    """Every exported team's current members, in one query."""
    counts = Counter(TeamMembership.objects.filter(team_id__in=queryset.order_by().values("id"), left_on__isnull=True)
                     .values_list("team_id", flat=True))

    def add(row: dict) -> None:
        row["members"] = counts.get(row["id"], 0)

    return add


TEAM_COLUMNS = Columns(
    fields=("id", "name", "community__name", "leader__name", "active", "description"),
    prepare=_member_counts,
    items=[
        ("队名", lambda r: r["name"], 20),
        ("服务社区", lambda r: r["community__name"] or "全街道", 16),
        ("队长", lambda r: r["leader__name"] or "", 10),
        ("队员人数", lambda r: r["members"], 10),
        ("在服务", lambda r: "是" if r["active"] else "否", 8),
        ("简介", lambda r: r["description"], 40),
    ],
)

VOLUNTEERS = ExportList(name="志愿者名册", model=Volunteer, filterset=VolunteerFilterSet, columns=VOLUNTEER_COLUMNS,
                        readers=reads_volunteers, path=f"{__name__}.VOLUNTEERS")
TEAMS = ExportList(name="服务队", model=Team, filterset=TeamFilterSet, columns=TEAM_COLUMNS, readers=reads_volunteers,
                   path=f"{__name__}.TEAMS")


ORDER_COLUMNS = [
    ("编号", lambda o: o.pk, 8),
    ("居民", lambda o: o.resident.name, 10),
    ("社区", lambda o: o.resident.community.name, 16),
    ("服务项目", lambda o: o.service.name, 12),
    ("希望服务时间", lambda o: local(o.wanted_at), 17),
    ("状态", lambda o: o.get_state_display(), 8),
    ("服务队", lambda o: o.team.name if o.team_id else "", 16),
    ("完成期限", lambda o: local(o.deadline), 17),
    ("完成时间", lambda o: local(o.done_at), 17),
    ("按时完成", lambda o: {True: "是", False: "否", None: ""}[o.on_time], 8),
    ("评分", lambda o: o.rating, 6),
    ("点单时间", lambda o: local(o.created_at), 17),
]

# Read by the registry's readers: a team leader sees their team's open orders on their own page, never a
# spreadsheet of residents.
SERVICE_ORDERS = ExportList(name="服务单", model=ServiceOrder, filterset=ServiceOrderFilterSet, columns=ORDER_COLUMNS,
                            readers=reads_registry, path=f"{__name__}.SERVICE_ORDERS",
                            related=("resident__community", "service", "team"))


def _activity_counts(queryset: QuerySet):
    """Every exported activity's sign-ups and attendance, in two queries."""
    ids = queryset.order_by().values("id")
    signed = Counter(SignUp.objects.filter(activity_id__in=ids).values_list("activity_id", flat=True))
    came = Counter(Attendance.objects.filter(activity_id__in=ids).values_list("activity_id", flat=True))

    def add(row: dict) -> None:
        row["signed"], row["came"] = signed.get(row["id"], 0), came.get(row["id"], 0)

    return add


ACTIVITY_COLUMNS = Columns(
    fields=("id", "name", "team__name", "place", "starts_at", "ends_at", "capacity"),
    prepare=_activity_counts,
    items=[
        ("活动名称", lambda r: r["name"], 24),
        ("服务队", lambda r: r["team__name"], 16),
        ("地点", lambda r: r["place"], 20),
        ("开始时间", lambda r: local(r["starts_at"]), 17),
        ("结束时间", lambda r: local(r["ends_at"]), 17),
        ("招募人数", lambda r: r["capacity"], 8),
        ("报名人数", lambda r: r["signed"], 8),
        ("签到人数", lambda r: r["came"], 8),
    ],
)

ACTIVITIES = ExportList(name="志愿活动", model=Activity, filterset=ActivityFilterSet, columns=ACTIVITY_COLUMNS,
                        readers=reads_volunteers, path=f"{__name__}.ACTIVITIES")


def _last_visits(queryset: QuerySet):
    """Every exported pairing's last visit and the day the next is due, in one query."""
    last = dict(PairingVisit.objects.filter(pairing_id__in=queryset.order_by().values("id")).values("pairing_id")
                .annotate(last=Max("visited_at")).values_list("pairing_id", "last"))

    def add(row: dict) -> None:
        visited = last.get(row["id"])
        row["last"] = timezone.localdate(visited) if visited else None
        row["due"] = None if row["ended_on"] else next_visit_due(row["rhythm"], row["started_on"], row["last"])

    return add


PAIRING_COLUMNS = Columns(
    fields=("id", "resident__name", "resident__community__name", "volunteer__name", "worker__first_name",
            "worker__username", "rhythm", "started_on", "ended_on"),
    prepare=_last_visits,
    items=[
        ("居民", lambda r: r["resident__name"], 10),
        ("社区", lambda r: r["resident__community__name"], 16),
        ("结对人", lambda r: r["volunteer__name"] or r["worker__first_name"] or r["worker__username"], 10),
        ("结对人身份", lambda r: "志愿者" if r["volunteer__name"] else "网格员", 10),
        ("走访频次", choice("rhythm", Rhythm), 12),
        ("结对日期", lambda r: r["started_on"], 12),
        ("结束日期", lambda r: r["ended_on"], 12),
        ("上次走访", lambda r: r["last"], 12),
        ("下次应访", lambda r: r["due"], 12),
    ],
)

# The registry's readers: a team leader sees their members' pairings on the page, never a spreadsheet of elders.
PAIRINGS = ExportList(name="结对", model=Pairing, filterset=PairingFilterSet, columns=PAIRING_COLUMNS,
                      readers=reads_registry, path=f"{__name__}.PAIRINGS")
