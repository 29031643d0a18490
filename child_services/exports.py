"""The programme and enrolment lists as spreadsheets. Children's data (PIPL): the enrolment list is for the
registry's readers only (a 亲子小屋's operator sees the names on its pages, and exports nothing), masked as the
registry masks, and every export is in the audit log (jiedao.exports)."""

from django.utils import timezone

from jiedao.exports import Columns, ExportList, choice, local
from jiedao.scope import reads_registry, reads_service_records, sees_child_details

from .choices import EnrolmentChannel, EnrolmentStatus, ProgrammeKind
from .filters import EnrolmentFilterSet, NutritionDeliveryFilterSet, NutritionPlanFilterSet, ProgrammeFilterSet
from .models import Enrolment, NutritionDelivery, NutritionPlan, Programme


def months_label(months):
    from .services import months_label as label

    return label(months)


PROGRAMME_COLUMNS = Columns(
    fields=("id", "name", "kind", "point__name", "point__community__name", "age_min_months", "age_max_months",
            "starts_on", "ends_on", "capacity", "enrol_opens_at", "enrol_closes_at", "fee"),
    items=[
        ("名称", lambda r: r["name"], 20),
        ("类型", choice("kind", ProgrammeKind), 14),
        ("服务点", lambda r: r["point__name"], 18),
        ("社区", lambda r: r["point__community__name"] or "街道直属", 14),
        ("年龄", lambda r: f"{months_label(r['age_min_months'])}至{months_label(r['age_max_months'])}", 16),
        ("开始日期", lambda r: r["starts_on"], 12),
        ("结束日期", lambda r: r["ends_on"], 12),
        ("名额", lambda r: r["capacity"], 6),
        ("报名开始", lambda r: local(r["enrol_opens_at"]), 18),
        ("报名截止", lambda r: local(r["enrol_closes_at"]), 18),
        ("费用（元）", lambda r: r["fee"], 10),
    ],
)


def _ages(queryset):
    from .services import age_in_months

    today = timezone.localdate()

    def add(row):
        row["months"] = age_in_months(row["child__birth_date"], today)

    return add


ENROLMENT_COLUMNS = Columns(
    fields=("id", "programme__name", "programme__point__name", "child__name", "child__birth_date",
            "child__community__name", "status", "position", "channel", "created_at"),
    prepare=_ages,
    items=[
        ("活动/课程", lambda r: r["programme__name"], 20),
        ("服务点", lambda r: r["programme__point__name"], 18),
        ("儿童姓名", lambda r: r["child__name"], 10),
        # No masked number beside the age in months: with the check digit it left one to five birth dates.
        ("年龄", lambda r: months_label(r["months"]), 12),
        ("居住社区", lambda r: r["child__community__name"], 14),
        ("状态", choice("status", EnrolmentStatus), 8),
        ("候补顺位", lambda r: r["position"], 8),
        ("报名方式", choice("channel", EnrolmentChannel), 12),
        ("报名时间", lambda r: local(r["created_at"]), 18),
    ],
)

PROGRAMMES = ExportList(name="儿童活动课程", model=Programme, filterset=ProgrammeFilterSet, columns=PROGRAMME_COLUMNS,
                        readers=reads_service_records, path=f"{__name__}.PROGRAMMES")
ENROLMENTS = ExportList(name="儿童报名", model=Enrolment, filterset=EnrolmentFilterSet, columns=ENROLMENT_COLUMNS,
                        readers=sees_child_details, path=f"{__name__}.ENROLMENTS")


def _who(user):
    return (user.get_full_name() or user.username) if user else None


PLAN_COLUMNS = [
    ("编号", lambda p: p.pk, 8),
    ("儿童", lambda p: p.child.name, 10),
    ("身份证号", lambda p: p.child.id_number_masked, 22),
    ("社区", lambda p: p.child.community.name, 16),
    ("每月发放日", lambda p: "、".join(str(d) for d in p.days), 12),
    ("责任人", lambda p: _who(p.worker), 10),
    ("营养包内容", lambda p: p.contents, 24),
    ("每次价值（元）", lambda p: p.value, 10),
    ("纳入理由", lambda p: p.reason or None, 20),
    ("开始日期", lambda p: p.starts_on, 12),
    ("在发放", lambda p: "是" if p.active else "否", 8),
]

DELIVERY_COLUMNS = [
    ("应送日期", lambda d: d.due_on, 12),
    ("儿童", lambda d: d.plan.child.name, 10),
    ("身份证号", lambda d: d.plan.child.id_number_masked, 22),
    ("社区", lambda d: d.plan.child.community.name, 16),
    ("营养包内容", lambda d: d.contents, 24),
    ("价值（元）", lambda d: d.value, 10),
    ("状态", lambda d: d.get_status_display(), 8),
    ("送达时间", lambda d: local(d.delivered_at), 17),
    ("送达人", lambda d: _who(d.delivered_by), 10),
    ("签收人", lambda d: d.received_by or None, 10),
    ("未送达原因", lambda d: d.missed_reason or None, 24),
    ("责任人", lambda d: _who(d.plan.worker), 10),
]

# Children's data (PIPL): each export is written to the audit log with its filters (jiedao.exports).
NUTRITION_PLANS = ExportList(name="营养包计划", model=NutritionPlan, filterset=NutritionPlanFilterSet,
                             columns=PLAN_COLUMNS, readers=reads_registry, path=f"{__name__}.NUTRITION_PLANS",
                             related=("child__community", "worker"))
NUTRITION_DELIVERIES = ExportList(name="营养包发放", model=NutritionDelivery, filterset=NutritionDeliveryFilterSet,
                                  columns=DELIVERY_COLUMNS, readers=reads_registry,
                                  path=f"{__name__}.NUTRITION_DELIVERIES",
                                  related=("plan__child__community", "plan__worker", "delivered_by"))
