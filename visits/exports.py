from jiedao.exports import local

VISIT_COLUMNS = [
    ("走访时间", lambda v: local(v.visited_at), 17),
    ("居民", lambda v: v.resident.name, 10),
    ("网格", lambda v: v.resident.grid.name, 10),
    ("方式", lambda v: v.get_method_display(), 10),
    ("情况", lambda v: "正常" if v.ok else "异常", 6),
    ("逾期天数", lambda v: v.overdue_days, 8),
    ("健康状况", lambda v: v.health, 20),
    ("居住环境", lambda v: v.living, 20),
    ("需求", lambda v: v.needs, 20),
    ("情况记录", lambda v: v.notes, 40),
    ("下一步", lambda v: v.next_action, 20),
    ("走访人", lambda v: v.visitor.first_name or v.visitor.username, 10),
]
