"""The resident list's rows, written in one pass here rather than cell by cell by the template engine.

The page lists 50 residents of ten columns; the engine resolved each of its ~1,700 variables through the
context stack and escaped them one by one, and that was most of the page's time (benchmarks/README.md,
"Template share"). format_html escapes every value as the template did."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_ROW = ('<tr><td data-label="姓名"><a href="{}">{}</a></td><td data-label="性别">{}</td>'
        '<td data-label="年龄段">{}</td><td data-label="身份证号" class="mono">{}</td>'
        '<td data-label="电话" class="mono">{}</td><td data-label="社区/网格">{} · {}</td>'
        '<td data-label="住址">{}</td><td data-label="特殊群体">{}</td><td data-label="关爱等级">{}</td>'
        '<td data-label="状态">{}</td></tr>')
_ELDERLY = mark_safe('<span class="tag tag-age">高龄</span>')
EMPTY = mark_safe('<tr><td colspan="10" class="empty">没有符合条件的居民。</td></tr>')


def _tags(resident) -> SafeString:
    tags = format_html_join("", '<span class="tag">{}</span>', ((label,) for label in resident.tag_labels))
    return tags + _ELDERLY if resident.is_elderly else tags


@register.simple_tag
def resident_rows(residents) -> SafeString:
    """<tr>s of the list (a page of residents read with_related()), or the row that says there are none."""
    rows = [format_html(_ROW, reverse("residents:resident_detail", args=[r.pk]), r.name, r.get_gender_display(),
                        r.age_band, r.id_number_masked, r.phone_masked, r.community.name, r.grid.name, r.address,
                        _tags(r), r.get_care_tier_display(), r.get_status_display())
            for r in residents]
    return mark_safe("".join(rows)) if rows else EMPTY
