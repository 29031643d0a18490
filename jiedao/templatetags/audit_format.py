"""Audit entries for people: field names in Chinese, codes as their labels, before → after."""

from functools import cache

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

register = template.Library()

EXTRA_LABELS = {"tags": "特殊群体", "after": "内容", "via": "途径", "locked": "账号已锁定", "unlocked": "解除锁定",
                "reason": "原因", "date": "日期", "communities": "负责社区", "grids": "负责网格", "password": "密码",
                "grid_id": "网格", "community_id": "社区", "list": "列表", "filters": "筛选条件", "rows": "行数",
                "job": "导出任务", "deleted": "已删除", "hazards": "隐患", "month": "月份",
                "version": "版本", "case": "案件", "comment": "意见", "type": "材料类型", "guest": "来宾",
                "path": "页面", "method": "请求方式", "id_number": "身份证号", "search": "查找", "replaces": "更正自",
                "last_seen": "最后使用时间"}
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
    """The model's own field called `name` (or `name` without `_id`); None for anything else, such as a
    reverse relation (a visit's `hazards`), which has no verbose name of its own."""
    if model is None or not isinstance(name, str):
        return None
    try:
        field = model._meta.get_field(name.removesuffix("_id"))
    except FieldDoesNotExist:
        return None
    return None if field.auto_created and not field.concrete else field


def _label(model, name) -> str:
    field = _field(model, name)
    if field is not None:
        return str(field.verbose_name)
    if name in EXTRA_LABELS:
        return EXTRA_LABELS[name]
    related = _related_model(model, name)
    return str(related._meta.verbose_name_plural) if related is not None else str(name)


def _related_model(model, name):
    """What a reverse relation (`hazards` of a visit) points at, to name it."""
    if model is None or not isinstance(name, str):
        return None
    try:
        return getattr(model._meta.get_field(name), "related_model", None)
    except FieldDoesNotExist:
        return None


def _plain(value) -> str:
    """Any JSON value in words, nothing looked up: what an export's filters or an unknown key hold."""
    if value in (None, "", [], {}):
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}={_plain(v)}" for k, v in value.items())
    return str(value)


def _is_ref(value) -> bool:
    # audit.ref(): a related object with the name it had when the entry was written.
    return isinstance(value, dict) and set(value) == {"id", "name"}


def _value(model, name, value) -> str:
    if value in (None, "", [], {}):
        return EMPTY
    if _is_ref(value):
        return str(value["name"]) or EMPTY
    if name == "tags" and isinstance(value, list):
        labels = _tag_labels()
        return "、".join(str(labels.get(v, v)) if isinstance(v, str) else _plain(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    field = _field(model, name)
    if field is not None and field.choices and isinstance(value, str | int):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, list):
        return "、".join(_value(model, name, v) for v in value)
    if isinstance(value, dict):  # an export's filters (the query string's parameters), a deleted row's fields
        return _plain(value)
    return str(value)


def _is_change(name, value) -> bool:
    # audit.diff writes [before, after]; a list-valued field (tags, places) then holds two lists, and two
    # places (refs) in a row are an account's list of places only when it is one of LIST_FIELDS.
    if not (isinstance(value, list) and len(value) == 2):
        return False
    return name not in LIST_FIELDS or isinstance(value[0], list)


@register.filter
def readable_changes(entry) -> list[tuple[str, str]]:
    """[(label, text)] for an entry's changes: "张三 → 李四" for a change, the values for a create.

    `changes` is whatever JSON an entry was written with: any shape reads as text, never an error (the
    auditor's page shows every entry)."""
    model = _models().get(entry.target_type)
    changes = entry.changes
    if changes in (None, "", [], {}):
        return []
    if not isinstance(changes, dict):
        return [(EXTRA_LABELS["after"], _plain(changes))]
    rows = []
    for name, value in changes.items():
        if name == "after" and isinstance(value, dict):
            rows += [(_label(model, k), _value(model, k, v)) for k, v in value.items() if v not in (None, "", [])]
        elif _is_change(name, value):
            rows.append((_label(model, name), f"{_value(model, name, value[0])} → {_value(model, name, value[1])}"))
        else:
            rows.append((_label(model, name), _value(model, name, value)))
    return rows
