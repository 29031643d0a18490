"""The resident list's rows, written in one pass here rather than cell by cell by the template engine.

The page lists 50 residents of ten columns; the engine resolved each of its ~1,700 variables through the
context stack and escaped them one by one, and that was most of the page's time (benchmarks/README.md,
"Template share"). Even written with format_html, a row cost about a millisecond: a reverse(), three
get_FOO_display() lookups through the translation machinery, two clocks for the age and an escape of each
lazy string. So what is the same for every row (the link's shape, the labels of the choices, today) is
worked out once per page, and each value is escaped as format_html would (html.escape, quotes included)."""

from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from residents import id_numbers
from residents.choices import OLDEST_OLD_AGE
from residents.models import Resident

register = template.Library()

EMPTY = mark_safe('<tr><td colspan="10" class="empty">没有符合条件的居民。</td></tr>')
_ELDERLY = '<span class="tag tag-age">高龄</span>'
_PK = 2_147_483_647  # stands for a resident's id in the one reverse() of the link


def _labels(field: str) -> dict:
    return {value: escape(str(label)) for value, label in Resident._meta.get_field(field).flatchoices}


@register.simple_tag
def resident_rows(residents) -> SafeString:
    """<tr>s of the list (a page of residents read for_rows()), or the row that says there are none."""
    today = timezone.localdate()
    link_head, link_tail = reverse("residents:resident_detail", args=[_PK]).split(str(_PK))
    genders, tiers, statuses = _labels("gender"), _labels("care_tier"), _labels("status")
    rows = []
    for r in residents:
        age = id_numbers.age_between(r.birth_date, today) if r.birth_date else None
        tags = "".join(f'<span class="tag">{escape(label)}</span>'
                       for label in r.tag_labels)
        if age is not None and age >= OLDEST_OLD_AGE:
            tags += _ELDERLY
        rows.append(
            f'<tr><td data-label="姓名"><a href="{link_head}{r.pk}{link_tail}">{escape(r.name)}</a></td>'
            f'<td data-label="性别">{genders.get(r.gender, escape(str(r.gender)))}</td>'
            f'<td data-label="年龄段">{escape(id_numbers.age_band(age))}</td>'
            f'<td data-label="身份证号" class="mono">{escape(r.id_number_masked)}</td>'
            f'<td data-label="电话" class="mono">{escape(r.phone_masked)}</td>'
            f'<td data-label="社区/网格">{escape(r.community_name)} · {escape(r.grid_name)}</td>'
            f'<td data-label="住址">{escape(r.address)}</td><td data-label="特殊群体">{tags}</td>'
            f'<td data-label="关爱等级">{tiers.get(r.care_tier, escape(str(r.care_tier)))}</td>'
            f'<td data-label="状态">{statuses.get(r.status, escape(str(r.status)))}</td></tr>')
    return mark_safe("".join(rows)) if rows else EMPTY
