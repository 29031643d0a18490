"""Audit entries for people: field names in Chinese, codes as their labels, before → after."""

from functools import cache

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

register = template.Library()

EXTRA_LABELS = {"tags": "特殊群体", "after": "内容", "via": "途径", "locked": "账号已锁定", "unlocked": "解除锁定",
                "reason": "原因", "date": "日期", "communities": "负责社区", "grids": "负责网格", "password": "密码",
                "grid_id": "网格", "community_id": "社区", "list": "列表", "filters": "筛选条件", "rows": "行数",
                "job": "导出任务"}
EMPTY = "（空）"
LIST_FIELDS = {"tags", "communities", "grids"}


@cache
def _models() -> dict:
    return {m._meta.model_name: m for m in apps.get_models()}


@cache
def _tag_labels() -> dict:
    # A resident's tags are rows of their own; their names are the choices of that model's `tag` field
    # (found among the installed models, as every other model here is: the base imports no app).
    tag_model = _models().get("residenttag")
    return dict(tag_model._meta.get_field("tag").flatchoices) if tag_model else {}


def _field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name.removesuffix("_id"))
    except FieldDoesNotExist:
        return None


def _label(model, name: str) -> str:
    field = _field(model, name)
    return str(field.verbose_name) if field is not None else EXTRA_LABELS.get(name, name)


def _value(model, name: str, value) -> str:
    if value in (None, "", []):
        return EMPTY
    if name == "tags" and isinstance(value, list):
        labels = _tag_labels()
        return "、".join(labels.get(v, v) for v in value)
    field = _field(model, name)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, dict):  # an export's filters: the query string's parameters
        return "；".join(f"{k}={v}" for k, v in value.items()) or EMPTY
    return str(value)


def _is_change(name: str, value) -> bool:
    # audit.diff writes [before, after]; a list-valued field (tags, places) then holds two lists.
    if not (isinstance(value, list) and len(value) == 2):
        return False
    return name not in LIST_FIELDS or isinstance(value[0], list)


@register.filter
def readable_changes(entry) -> list[tuple[str, str]]:
    """[(label, text)] for an entry's changes: "张三 → 李四" for a change, the values for a create."""
    model = _models().get(entry.target_type)
    rows = []
    for name, value in (entry.changes or {}).items():
        if name == "after" and isinstance(value, dict):
            rows += [(_label(model, k), _value(model, k, v)) for k, v in value.items() if v not in (None, "", [])]
        elif _is_change(name, value):
            rows.append((_label(model, name), f"{_value(model, name, value[0])} → {_value(model, name, value[1])}"))
        else:
            rows.append((_label(model, name), _value(model, name, value)))
    return rows
