from jiedao.exports import Columns, ExportList, choice, local
from jiedao.scope import reads_registry

from .filters import VisitFilterSet
from .models import Method, Visit

VISIT_COLUMNS = Columns(
    fields=("visited_at", "resident__name", "resident__grid__name", "method", "ok", "overdue_days", "health",
            "living", "needs", "notes", "next_action", "visitor__first_name", "visitor__username"),
    items=[
        ("走访时间", lambda v: local(v["visited_at"]), 17),
        ("居民", lambda v: v["resident__name"], 10),
        ("网格", lambda v: v["resident__grid__name"], 10),
        ("方式", choice("method", Method), 10),
        ("情况", lambda v: "正常" if v["ok"] else "异常", 6),
        ("逾期天数", lambda v: v["overdue_days"], 8),
        ("健康状况", lambda v: v["health"], 20),
        ("居住环境", lambda v: v["living"], 20),
        ("需求", lambda v: v["needs"], 20),
        ("情况记录", lambda v: v["notes"], 40),
        ("下一步", lambda v: v["next_action"], 20),
        ("走访人", lambda v: v["visitor__first_name"] or v["visitor__username"], 10),
    ],
)

VISITS = ExportList(name="走访记录", model=Visit, filterset=VisitFilterSet, columns=VISIT_COLUMNS,
                    readers=reads_registry, path=f"{__name__}.VISITS")
