"""The dashboard's tables' rows, written in one pass here rather than cell by cell by the template engine.

The district's tables are some 1,300 rows (200 communities, each sub-district's subtotal, six areas) of up to
twenty cells: the engine resolved, localised and escaped each of ~130,000 variables, 400 ms of a cached page.
Each value is written as the engine wrote it: None as —, numbers localised, text escaped (html.escape, quotes
included, as conditional_escape does)."""

from html import escape

from django import template
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _shown(value) -> str:
    if value is None:
        return "—"
    if type(value) is int:  # most cells: what localize gives an int without a thousands separator
        return str(value)
    return escape(str(localize(value)))


@register.simple_tag
def figure_rows(rows) -> SafeString:
    """<tr>s of a table's rows, each (name, [(value, link, column label)], subtotal); the last is the total."""
    out = []
    last = len(rows) - 1
    for n, (name, cells, subtotal) in enumerate(rows):
        css = ' class="total"' if n == last else ' class="subtotal"' if subtotal else ""
        tds = "".join(
            f'<td data-label="{escape(str(label))}"><a href="{escape(link)}">{_shown(value)}</a></td>' if link
            else f'<td data-label="{escape(str(label))}">{_shown(value)}</td>'
            for value, link, label in cells)
        out.append(f'<tr{css}><td data-label="社区">{escape(str(name))}</td>{tds}</tr>')
    return mark_safe("".join(out))
