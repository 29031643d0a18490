"""How every list counts and pages, page and API (kept apart from jiedao.api: DRF reads this module while its
own generic views are being imported).

Nothing here costs more as the table grows (issue 17):
- the count of an unfiltered list above LIST_COUNT_ESTIMATE_ABOVE rows is PostgreSQL's estimate, shown as
  such (约 12.3 万): counting a million rows exactly reads a million index entries for a figure nobody needs
  to the unit. A filtered list (what a dashboard figure links to) is always counted exactly;
- past the first pages, a page is found by the sort key of the last row seen (keyset, `cursor`), not by
  skipping rows (OFFSET): page 10,000 costs what page 1 costs.
"""

import base64
import binascii
import json
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property, partial

from django.conf import settings
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import F, Q, QuerySet
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from . import crypto
from .params import holds_control_characters, positive_int

MAX_PAGE_SIZE = 200
# Page numbers (OFFSET) are for the first pages; beyond, the `cursor` goes on at the same cost.
MAX_PAGE_NUMBER = 100
# Parameters that page or sort a list without narrowing it: a list with no other is "unfiltered".
PAGING_PARAMS = {"page", "page_size", "ordering", "cursor", "format"}
CURSOR_MESSAGE = "翻页位置（cursor）无效，请从第一页重新翻起。"
PAGE_TOO_DEEP_MESSAGE = f"页码超过 {MAX_PAGE_NUMBER}：请按上一页返回的 next 链接（cursor 参数）继续翻页。"


class Estimate(int):
    """A count that is the planner's estimate: a number in arithmetic and JSON, "约 12.3 万" on a page."""

    def __str__(self):
        value = int(self)
        if value >= 10_000:
            return f"约 {value / 10_000:.1f} 万"
        return f"约 {value}"


def unfiltered(params) -> bool:
    """No parameter but paging and sorting has a value: the whole of the user's scope is listed."""
    return not any(value for key, value in params.items() if key not in PAGING_PARAMS)


# One statement for both answers, so a list makes as many queries as it did with COUNT(*): the planner's row
# estimate of the list's own query, and the exact count when the estimate is at most `above`.
COUNT_FUNCTION = "jiedao_list_count"


def list_count(queryset, *, estimate: bool) -> int:
    """The number of rows of `queryset`: exact, or (estimate=True, PostgreSQL, above the threshold) an
    Estimate."""
    if not isinstance(queryset, QuerySet):
        return len(queryset)  # a list worked out in Python (the visits due): counted as it is
    connection = connections[queryset.db]
    if not estimate or connection.vendor != "postgresql":
        return queryset.count()
    try:
        sql, params = queryset.values("pk").order_by().query.sql_with_params()
    except EmptyResultSet:  # a scope of nothing (an account whose places are gone): Django's count() says 0
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {COUNT_FUNCTION}(%s, %s)",
                       [connection.ops.compose_sql(sql, params), settings.LIST_COUNT_ESTIMATE_ABOVE])
        (found,) = cursor.fetchone()
    return Estimate(-found) if found < 0 else found


class ListPaginator(Paginator):
    """Django's Paginator counting by list_count: the rows of `counted` when given (the list without what
    only its rows show: a join or a subquery for a page's fifty rows would be run for every row counted, and a
    join keeps the count off its index-only scan), else of the object list."""

    def __init__(self, *args, estimate: bool = False, counted=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.estimate = estimate
        self.counted = counted

    @cached_property
    def count(self):
        return list_count(self.object_list if self.counted is None else self.counted, estimate=self.estimate)


# --- keyset pages ----------------------------------------------------------------------------------------

def _ordering(queryset) -> tuple[list[tuple[str, bool]], bool]:
    """The list's sort as (field path, descending), ending in the primary key so that it is total, and
    whether that is the sort the list asked for (False when a relation's own ordering gave way to its key)."""
    order = list(queryset.query.order_by or queryset.query.get_meta().ordering)
    keys, as_asked = [], True
    for item in order:
        if not isinstance(item, str):
            raise TypeError("keyset pages need an ordering by field names")
        name = item.lstrip("-")
        field = _field(queryset.model, "id" if name == "pk" else name)
        bare_relation = field.is_relation and "__" not in name
        # A relation sorts by its key (a monthly report by sub-district): the cursor holds the id, not the row;
        # Django sorts such a list by the related model's own ordering (the sub-district's name) instead.
        as_asked &= not (bare_relation and field.related_model._meta.ordering)
        keys.append((field.attname if bare_relation else "id" if name == "pk" else name, item.startswith("-")))
    if not any(name == "id" for name, _ in keys):
        keys.append(("id", False))
    return keys, as_asked


def _field(model, path: str):
    field = None
    for part in path.split("__"):
        field = model._meta.get_field(part)
        model = field.related_model or model
    return field


def _value(obj, path: str):
    for part in path.split("__"):
        obj = getattr(obj, part) if obj is not None else None
    return obj


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _no_constant(name):
    raise ValueError(f"{name} is no value of a cursor")  # json.loads takes NaN and Infinity otherwise


class Keyset:
    """A list's rows after a given row in its own order: `cursor` is the sort key of the last row shown.

    Rows inserted or removed between two pages move no row of the next page into or out of it: each row is
    shown once, in order, however the table changes meanwhile. NULLs sort last ascending, first descending
    (PostgreSQL's own order, which its indexes hold), on every database.
    """

    def __init__(self, queryset):
        self.keys, self.as_asked = _ordering(queryset)
        self.model = queryset.model
        self.fields = [_field(self.model, name) for name, _ in self.keys]
        self.queryset = queryset.order_by(*[F(name).desc(nulls_first=True) if desc else F(name).asc(nulls_last=True)
                                            for name, desc in self.keys])

    def key_of(self, obj) -> list:
        """The row's sort key, as after() takes it."""
        return [_value(obj, name) for name, _ in self.keys]

    def encode(self, obj) -> str:
        return self.seal([_plain(value) for value in self.key_of(obj)])

    def seal(self, values: list) -> str:
        """The sort key sealed under the field key: a cursor goes into URLs (history, proxies' logs), and the
        sort key of a resident list is the pinyin of a name or a birth date, which no URL may carry."""
        plain = json.dumps(values, ensure_ascii=False).encode()
        return base64.urlsafe_b64encode(crypto.seal_token(plain, aad=self.purpose)).decode().rstrip("=")

    @property
    def purpose(self) -> str:
        return f"cursor:{self.model._meta.label_lower}"

    def decode(self, cursor: str) -> list | None:
        """The sort key in `cursor`, checked against the fields; None when it is no cursor of this list."""
        try:
            sealed = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            values = json.loads(crypto.open_token(sealed, aad=self.purpose), parse_constant=_no_constant)
        except (binascii.Error, ValueError, UnicodeDecodeError, crypto.DecryptionError):
            return None
        if not isinstance(values, list) or len(values) != len(self.keys) or holds_control_characters(values):
            return None  # (a NUL or a lone surrogate hidden in the base64: no database takes it)
        typed = []
        for field, value in zip(self.fields, values, strict=True):
            if value is None and not field.null:
                return None
            if value is not None and not isinstance(value, str | int | float) or isinstance(value, bool):
                return None
            if isinstance(value, int) and not -2**63 <= value < 2**63:
                return None  # past any column's integers: no database would take it as a parameter
            try:
                typed.append(None if value is None else field.target_field.to_python(value)
                             if field.is_relation else field.to_python(value))
            except (ValidationError, FieldDoesNotExist, TypeError, ValueError, OverflowError):
                return None
        if typed[-1] is None:
            return None
        return typed

    def after(self, values: list | None):
        """The queryset in keyset order, from the row after `values` (from the start for None)."""
        if values is None:
            return self.queryset
        either = Q(pk__in=[])
        for i in range(len(self.keys)):
            step = Q()
            for (name, _), value in zip(self.keys[:i], values[:i], strict=True):
                step &= Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
            either |= step & self._beyond(self.keys[i], self.fields[i], values[i])
        (first, desc), value = self.keys[0], values[0]
        if value is not None:
            # Says what the OR implies, as a range PostgreSQL starts its index scan at (the OR alone does not).
            either &= Q(**{f"{first}__{'lte' if desc else 'gte'}": value}) | Q(**{f"{first}__isnull": True})
        return self.queryset.filter(either)

    @staticmethod
    def _beyond(key, field, value) -> Q:
        name, desc = key
        if desc:
            return Q(**{f"{name}__isnull": False}) if value is None else Q(**{f"{name}__lt": value})
        if value is None:
            return Q(pk__in=[])
        later = Q(**{f"{name}__gt": value})
        return later | Q(**{f"{name}__isnull": True}) if field.null else later

    def page(self, cursor: str, size: int) -> tuple[list, str | None]:
        """The rows after `cursor` ("" for the first), and the cursor of the page after them (None at the end)."""
        values = self.decode(cursor) if cursor else None
        if cursor and values is None:
            raise exceptions.ValidationError({"cursor": [CURSOR_MESSAGE]})
        rows = list(self.after(values)[:size + 1])
        more = len(rows) > size
        rows = rows[:size]
        return rows, (self.encode(rows[-1]) if more else None)


NO_CURSOR_MESSAGE = "此列表不支持按 cursor 翻页，请用 page 参数。"


def keyset_of(queryset) -> Keyset:
    """The list's Keyset; a 400 for a list that is not a queryset sorted by its fields (a schedule worked out
    in Python, a sort by an expression), which pages by number only."""
    try:
        return Keyset(queryset)
    except (AttributeError, TypeError, FieldDoesNotExist):
        raise exceptions.ValidationError({"cursor": [NO_CURSOR_MESSAGE]}) from None


class Pagination(PageNumberPagination):
    """{count, next, previous, results} for the first pages (`page`, at most MAX_PAGE_NUMBER), or
    {next, results} by `cursor` (an empty one starts at the first row; `next` holds the one to go on with).
    A bad page_size, page or cursor is a 400, not a silent default."""

    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    max_page_size = MAX_PAGE_SIZE
    invalid_page_message = "页码无效：{message}"

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = positive_int(raw, maximum=MAX_PAGE_SIZE)
        if size is None:
            raise exceptions.ValidationError({"page_size": [f"每页条数应为 1 到 {MAX_PAGE_SIZE} 之间的整数。"]})
        return size

    def paginate_queryset(self, queryset, request, view=None):
        self.cursor_page = None
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor is not None:
            self.request = request
            rows, self.next_cursor = keyset_of(queryset).page(cursor, self.get_page_size(request))
            self.cursor_page = rows
            return rows
        # ASCII digits only: "３" would be read as page 3 and "²" as nothing (int() refuses it).
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and raw != "last" and positive_int(raw) is None:
            raise exceptions.ValidationError({"page": ["页码应为正整数。"]})
        if raw is not None and raw != "last" and int(raw) > MAX_PAGE_NUMBER:
            raise exceptions.ValidationError({"page": [PAGE_TOO_DEEP_MESSAGE]})
        self.django_paginator_class = partial(ListPaginator, estimate=unfiltered(request.query_params))
        try:
            # Numbered pages in the cursor's order (ending in the id): rows tied on the list's own sort keep
            # one order, so none repeats or is skipped between pages or where the cursor takes over.
            self.keyset = Keyset(queryset)
        except (AttributeError, TypeError, FieldDoesNotExist):
            self.keyset = None
        if self.keyset and self.keyset.as_asked:
            queryset = self.keyset.queryset
        return super().paginate_queryset(queryset, request, view)

    def get_next_link(self):
        # After the last numbered page, page MAX_PAGE_NUMBER + 1 would be a 400: go on by cursor from this
        # page's last row (a list that pages by number only keeps its page link, and ends there).
        if self.page.has_next() and self.page.number >= MAX_PAGE_NUMBER and self.keyset:
            url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
            return replace_query_param(url, self.cursor_query_param,
                                       self.keyset.encode(list(self.page.object_list)[-1]))
        return super().get_next_link()

    def get_page_number(self, request, paginator):
        number = super().get_page_number(request, paginator)
        if request.query_params.get(self.page_query_param) in self.last_page_strings and (
                paginator.num_pages > MAX_PAGE_NUMBER):
            raise exceptions.ValidationError({"page": [PAGE_TOO_DEEP_MESSAGE]})
        return number

    def get_paginated_response(self, data):
        if self.cursor_page is not None:
            url = self.request.build_absolute_uri()
            following = self.next_cursor and replace_query_param(url, self.cursor_query_param, self.next_cursor)
            return Response({"next": following, "results": data})
        response = super().get_paginated_response(data)
        if isinstance(self.page.paginator.count, Estimate):
            response.data["count_estimated"] = True
        return response

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count_estimated"] = {
            "type": "boolean", "description": "count 为估算值（未筛选且超过阈值的列表）；筛选后的列表总是精确计数。"}
        return answer
