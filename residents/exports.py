"""The resident list as a spreadsheet: what staff plan their rounds with, masked as on the list."""

from .models import ELDERLY_AGE

RESIDENT_COLUMNS = [
    ("姓名", lambda r: r.name, 10),
    ("性别", lambda r: r.get_gender_display(), 6),
    ("出生日期", lambda r: r.birth_date, 12),
    ("年龄", lambda r: r.age, 6),
    ("身份证号", lambda r: r.id_number_masked, 22),
    ("联系电话", lambda r: r.phone_masked, 14),
    ("社区", lambda r: r.community.name, 16),
    ("网格", lambda r: r.grid.name, 10),
    ("住址", lambda r: r.address, 30),
    ("居住类型", lambda r: r.get_residence_type_display(), 8),
    ("特殊群体", lambda r: "、".join(r.tag_labels + (["高龄"] if r.age >= ELDERLY_AGE else [])), 24),
    ("关爱等级", lambda r: r.get_care_tier_display(), 10),
    ("状态", lambda r: r.get_status_display(), 6),
    ("备注", lambda r: r.notes, 40),
]
