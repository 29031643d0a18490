"""Shared REST plumbing: error handling, the scoped base viewsets, export (the role permission: permissions.py)."""

import re

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from rest_framework import exceptions, status, viewsets
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from . import audit
from .export_jobs import EXPORT_FORMAT, export_list_rows
from .exports import XLSX
from .models import ExportJob


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        # Past DATA_UPLOAD_MAX_MEMORY_SIZE of JSON or form fields (a file-less body); larger ones never get here
        # (jiedao.uploads.BodyLimitMiddleware).
        return Response({"detail": "请求内容过大（上限 2.5 MB），没有被接收。"},
                        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, Http404 | exceptions.NotFound) and "页码" not in str(exc):
        exc = exceptions.NotFound("未找到，或不在您的管辖范围内。")
    elif isinstance(exc, exceptions.ParseError) and "过大" not in str(exc):
        exc = exceptions.ParseError("请求内容不是有效的 JSON。")
    # Services raise Django's ValidationError (so forms can use them too); the API answers 400 with it.
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        # DRF keeps {"point": "请指定服务点。"} as it was raised: every field's errors are a list, as documented
        # (jiedao.schema.FIELD_ERRORS); "detail" is the whole request's one message.
        exc.detail = {key: [value] if isinstance(value, str) and key != "detail" else value
                      for key, value in exc.detail.items()}
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == 403 and "request" in context:
        audit.record_denial(context["request"]._request, getattr(exc, "detail", exc))
    return response


# An object's id in a URL is ASCII digits: "３" or "٣" name no object (DRF's default takes any character).
ID_IN_URL = "[0-9]{1,18}"


class ScopedViewSetMixin:
    """Every object the viewset touches comes from Model.objects.visible_to(request.user).

    The FilterSet narrows lists only: a detail is found by its id within the scope, whatever a list's
    defaults (an archived resident is still there at /residents/{id}/).
    """

    lookup_value_regex = ID_IN_URL

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

    def allowed(self, user) -> bool:
        return self.export_list.readers(user)  # the list's one rule, as on its page (RoleAllowed asks it)

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
        if getattr(self.request, "accepted_renderer", None) and self.request.accepted_renderer.format == EXPORT_FORMAT:
            self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return super().handle_exception(exc)


_ETAG = re.compile(r'(?:W/)?"(?P<pk>\d{1,18})-(?P<version>\d{1,9})"')


class VersionedMixin:
    """Optimistic concurrency for objects with a `version`: every object answer carries an `ETag` of its
    version; a write may send `If-Match` with the ETag it read and is refused with 412 when the object was
    saved by someone else since. The write's service takes the expected version (`expected_version()`)."""

    @staticmethod
    def etag(obj) -> str:
        return f'"{obj.pk}-{obj.version}"'

    def expected_version(self, obj) -> int | None:
        sent = self.request.headers.get("If-Match", "").strip()
        if not sent or sent == "*":
            return None
        match = _ETAG.fullmatch(sent)
        if match is None:
            raise exceptions.ValidationError({"detail": "If-Match 应为读取时收到的 ETag，如 \"12-3\"。"})
        # Another object's ETag is no version of this one: as stale as an old version.
        return int(match["version"]) if int(match["pk"]) == obj.pk else 0

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        obj = getattr(self, "_versioned", None)
        if obj is not None and response.status_code < 300:
            response["ETag"] = self.etag(obj)
        return response


class StaleVersion(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "该对象已被他人修改：请重新读取后再提交。"
    default_code = "stale"
