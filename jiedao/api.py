"""Shared REST plumbing: error handling, the scoped base viewset, the one role permission, export."""

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .export_jobs import EXPORT_FORMAT, export_list_rows
from .exports import XLSX
from .models import ExportJob


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


class RoleAllowed(permissions.BasePermission):
    """The one role check of the API (the default permission class), as pages have RoleRequiredMixin.

    A view says who may use it with `allowed(user)` and who may write through it with `may_write(user)`,
    each a jiedao.scope predicate; a view without one lets every signed-in user through, and its
    queryset's visible_to still decides what each sees. A write to one object is refused only after the
    object was found in the caller's scope, so outside it the answer is 404, not 403.
    """

    message = "您的角色不能进行此操作。"

    def has_permission(self, request, view):
        # One instance per request (DRF), so the view's own wording can be set here.
        self.message = getattr(view, "denied_message", RoleAllowed.message)
        user = request.user
        if not (user and user.is_authenticated):
            return False
        allowed = getattr(view, "allowed", None)
        if allowed is not None and not allowed(user):
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True
        return _may_write(view, user)

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or _may_write(view, request.user)


def _may_write(view, user) -> bool:
    may_write = getattr(view, "may_write", None)
    return may_write is None or may_write(user)


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


class XLSXRenderer(BaseRenderer):
    """Lets `?format=xlsx` through content negotiation; the workbook itself is written by the view."""

    media_type = XLSX
    format = "xlsx"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)  # only errors reach here


class XLSXExportMixin:
    """`GET …?format=xlsx` on a list: every row of the filter, in the caller's scope, as a workbook; a
    list longer than EXPORT_ASYNC_THRESHOLD answers 202 with the export job to poll, as the page does."""

    export_list = None

    def get_renderers(self):
        return [*super().get_renderers(), XLSXRenderer()]

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == EXPORT_FORMAT:
            result = export_list_rows(user=request.user, export_list=self.export_list,
                                      queryset=self.filter_queryset(self.get_queryset()), params=request.query_params)
            if not isinstance(result, ExportJob):
                return result
            self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
            return Response({"job": result.pk, "total": result.total,
                             "status": request.build_absolute_uri(reverse("export-job-detail", args=[result.pk])),
                             "download": request.build_absolute_uri(reverse("export-job-download", args=[result.pk]))},
                            status=status.HTTP_202_ACCEPTED)
        return super().list(request, *args, **kwargs)

    def handle_exception(self, exc):
        # A refused export answers in JSON like any other error.
        if getattr(self.request, "accepted_renderer", None) and self.request.accepted_renderer.format == "xlsx":
            self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return super().handle_exception(exc)
