from jiedao.exports import ExportList, local
from jiedao.scope import reads_registry

from .filters import CaseFilterSet, DisbursementFilterSet, WishFilterSet
from .models import Case, Disbursement, Wish

CASE_COLUMNS = [
    ("编号", lambda c: c.pk, 8),
    ("申请人", lambda c: c.resident.name, 10),
    ("身份证号", lambda c: c.resident.id_number_masked, 22),
    ("社区", lambda c: c.resident.community.name, 16),
    ("类别", lambda c: c.get_kind_display(), 12),
    ("状态", lambda c: c.get_state_display(), 8),
    ("申请金额（元）", lambda c: c.requested_amount, 10),
    ("批准金额（元）", lambda c: c.approved_amount, 10),
    ("家庭人口", lambda c: c.household_size, 8),
    ("家庭月收入（元）", lambda c: c.monthly_income, 10),
    ("申请时间", lambda c: local(c.opened_at), 17),
    ("下次复核", lambda c: c.review_due, 12),
]

DISBURSEMENT_COLUMNS = [
    ("发放日期", lambda d: d.paid_on, 12),
    ("案件编号", lambda d: d.case_id, 8),
    ("姓名", lambda d: d.case.resident.name, 10),
    ("身份证号", lambda d: d.case.resident.id_number_masked, 22),
    ("社区", lambda d: d.case.resident.community.name, 16),
    ("救助类别", lambda d: d.case.get_kind_display(), 12),
    ("金额（元）", lambda d: d.amount, 10),
    ("方式", lambda d: d.get_method_display(), 8),
    ("所属期起", lambda d: d.period_from, 12),
    ("所属期止", lambda d: d.period_to, 12),
    ("经办人", lambda d: d.by.get_full_name() or d.by.username, 10),
    # A voided payment is exported, marked, as the list shows it (no total counts it).
    ("状态", lambda d: "作废" if d.voided_at else "有效", 6),
    ("作废原因", lambda d: d.void_reason or None, 24),
]

CASES = ExportList(name="救助案件", model=Case, filterset=CaseFilterSet, columns=CASE_COLUMNS, readers=reads_registry,
                   path=f"{__name__}.CASES", related=("resident__community",))
DISBURSEMENTS = ExportList(name="救助发放", model=Disbursement, filterset=DisbursementFilterSet,
                           columns=DISBURSEMENT_COLUMNS, readers=reads_registry, path=f"{__name__}.DISBURSEMENTS",
                           related=("case__resident__community", "by"))

WISH_COLUMNS = [
    ("编号", lambda w: w.pk, 8),
    ("心愿人", lambda w: w.resident.name, 10),
    ("身份证号", lambda w: w.resident.id_number_masked, 22),
    ("社区", lambda w: w.resident.community.name, 16),
    ("儿童心愿", lambda w: "是" if w.for_child else "否", 8),
    ("心愿", lambda w: w.wish, 30),
    ("价值（元）", lambda w: w.value, 10),
    ("状态", lambda w: w.get_state_display(), 8),
    ("认领人/单位", lambda w: w.donor or None, 16),
    ("实现日期", lambda w: w.fulfilled_on, 12),
    ("撤回原因", lambda w: w.withdrawn_reason or None, 24),
    ("征集时间", lambda w: local(w.created_at), 17),
]
# Children's data (PIPL): the export is written to the audit log, as every export is (jiedao.exports).
WISHES = ExportList(name="微心愿", model=Wish, filterset=WishFilterSet, columns=WISH_COLUMNS, readers=reads_registry,
                    path=f"{__name__}.WISHES", related=("resident__community",))
