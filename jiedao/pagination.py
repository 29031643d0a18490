"""Kept apart from jiedao.api: DRF reads this class while its own generic views are being imported."""

from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

from .params import positive_int

MAX_PAGE_SIZE = 200


class Pagination(PageNumberPagination):
    """{count, next, previous, results}; a bad page_size is a 400, not a silent default."""

    page_size_query_param = "page_size"
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
        # ASCII digits only: "３" would be read as page 3 and "²" as nothing (int() refuses it).
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and raw != "last" and positive_int(raw) is None:
            raise exceptions.ValidationError({"page": ["页码应为正整数。"]})
        return super().paginate_queryset(queryset, request, view)
