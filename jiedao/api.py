"""Shared REST plumbing: pagination, error handling and the scoped base viewset."""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, viewsets
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        exc = exceptions.ParseError("请求内容过大（上限 2.5 MB）。")
    elif isinstance(exc, Http404 | exceptions.NotFound) and "页码" not in str(exc):
        exc = exceptions.NotFound("未找到，或不在您的管辖范围内。")
    elif isinstance(exc, exceptions.ParseError) and "过大" not in str(exc):
        exc = exceptions.ParseError("请求内容不是有效的 JSON。")
    # Services raise Django's ValidationError (so forms can use them too); the API answers 400 with it.
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    return drf_exception_handler(exc, context)


class ScopedViewSetMixin:
    """Every object the viewset touches comes from Model.objects.visible_to(request.user).

    The FilterSet narrows lists only: a detail is found by its id within the scope, whatever a list's
    defaults (an archived resident is still there at /residents/{id}/).
    """

    def get_queryset(self):
        return self.queryset.model.objects.visible_to(self.request.user)

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset) if self.action == "list" else queryset


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
