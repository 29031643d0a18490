"""Form widgets drawn in Python: the markup of the widget templates every page's forms use, without the
template engine.

A list page's filter form has a dozen widgets, and through the templates each cost about a millisecond and
the tags' checkboxes eight (an include, an attrs loop and a variable lookup through the context stack per
option; measured with the list pages' template share, benchmarks/README.md). These few templates are simple
enough to write out here: the input (text, number, hidden, date … all include input.html), the select (the
project's templates/django/forms/widgets/select.html) and the checkboxes and radio buttons (the project's
multiple_input.html). Every other widget template is drawn by the engine as before. The output is the
templates' own, byte for byte: tests/jiedao/test_rendering.py draws every widget both ways.
"""

from django.forms.renderers import TemplatesSetting
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.html import conditional_escape

# The engine's way with {{ value }} (localised, then escaped unless safe); autoescape on, as on every page.
_CONTEXT = Context(autoescape=True)


def _value(value) -> str:
    return render_value_in_context(value, _CONTEXT)


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: `name="value"`, a True value bare, a False one left out."""
    out = []
    for name, value in attrs.items():
        if value is not False:
            out.append(f" {_value(name)}" if value is True else f' {_value(name)}="{conditional_escape(value)}"')
    return "".join(out)


def _input(widget: dict) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(value)}"'
    return f'<input type="{_value(widget["type"])}" name="{_value(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'


def _select(widget: dict) -> str:
    out = [f'<select name="{_value(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_value(group_name)}">')
        for option in options:
            out.append(f'\n  <option value="{conditional_escape(option["value"])}"{_attrs(option["attrs"])}>'
                       f'{_value(option["label"])}</option>')
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>")
    return "".join(out)


def _multiple_input(widget: dict) -> str:
    id_, css = widget["attrs"].get("id"), widget["attrs"].get("class")
    out = ["<div", f' id="{_value(id_)}"' if id_ else "", f' class="{_value(css)}"' if css else "", ">"]
    for group, options, _ in widget["optgroups"]:
        if group:
            out.append(f"\n  <div><label>{_value(group)}</label>")
        for option in options:
            wrap, option_id = option["wrap_label"], option["attrs"].get("id")
            value = "" if option["value"] is None else f' value="{conditional_escape(option["value"])}"'
            out.append("<div>\n    ")
            if wrap:
                out.append(f'<label for="{_value(option_id)}">' if option_id else "<label>")
            out.append(f'<input type="{_value(option["type"])}" name="{_value(option["name"])}"{value}'
                       f'{_attrs(option["attrs"])}>')
            if wrap:
                out.append(f" {_value(option['label'])}</label>")
            out.append("</div>")
        if group:
            out.append("\n  </div>")
    out.append("\n</div>")
    return "".join(out)


_WIDGETS = "django/forms/widgets/"
_IN_PYTHON = {
    **{f"{_WIDGETS}{name}.html": _input for name in (
        "input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time", "search",
        "tel", "color", "checkbox")},
    f"{_WIDGETS}select.html": _select,
    **{f"{_WIDGETS}{name}.html": _multiple_input for name in ("multiple_input", "checkbox_select", "radio")},
}


class FormRenderer(TemplatesSetting):
    """TemplatesSetting, with the widgets above drawn in Python (FORM_RENDERER in settings)."""

    def render(self, template_name, context, request=None):
        draw = _IN_PYTHON.get(template_name)
        if draw is None or set(context) != {"widget"}:
            return super().render(template_name, context, request)
        return draw(context["widget"]).strip()  # as the base renderer strips the template's output
