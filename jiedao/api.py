"""Shared REST plumbing: pagination, error handling and the scoped base viewset."""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, viewsets
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        exc = exceptions.ParseError("请求内容过大（上限 2.5 MB）。")
    # Services raise Django's ValidationError (so forms can use them too); the API answers 400 with it.
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    return drf_exception_handler(exc, context)


class ScopedViewSetMixin:
    """Every object the viewset touches comes from Model.objects.visible_to(request.user)."""

    def get_queryset(self):
        return self.queryset.model.objects.visible_to(self.request.user)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
