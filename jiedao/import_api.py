"""The API of import runs, whatever list they import to (the upload itself is the list's: residents.api).

GET /imports/ and /imports/{id}/ (status, counts), {id}/rows/?outcome= (masked), {id}/rejected/ (the
workbook), POST {id}/commit/ and {id}/undo/. A run outside the caller's scope answers 404; a role that may
not import, 403.
"""

from django.core.exceptions import ValidationError
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from .api import ScopedReadOnlyViewSet
from .exports import XLSX
from .imports import ImportConflict, import_commit, import_restart, import_undo, rejected_workbook
from .models import ImportRow, ImportRun
from .scope import can_write_registry


class ImportCountsSerializer(serializers.Serializer):
    new = serializers.IntegerField()
    update = serializers.IntegerField()
    warning = serializers.IntegerField()
    rejected = serializers.IntegerField()


class ImportRunSerializer(serializers.ModelSerializer):
    counts = ImportCountsSerializer(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    stalled = serializers.BooleanField(read_only=True, help_text="后台任务已中断（POST restart/ 重新开始）")
    user = serializers.CharField(source="user.get_full_name", read_only=True)

    class Meta:
        model = ImportRun
        fields = ["id", "name", "status", "status_label", "stalled", "counts", "created", "updated", "done", "total",
                  "error", "note", "file_name", "sha256", "params", "user", "created_at", "committed_at", "undone_at"]
        read_only_fields = fields


class ImportRowSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="id_masked", read_only=True, help_text="脱敏的身份证号")

    class Meta:
        model = ImportRow
        fields = ["sheet", "row", "outcome", "reasons", "name", "id_number"]
        read_only_fields = fields


def run_answer(run: ImportRun, *, created: int = 201) -> Response:
    """201 (or 200) once the run is read or written; 202 while a worker still is; 400 with the reason when
    it was read here and the reader refused it (the run stays, `failed`, in the history)."""
    if run.status == ImportRun.Status.FAILED:
        return Response({"detail": run.error, "id": run.pk, "status": run.status}, status=status.HTTP_400_BAD_REQUEST)
    working = run.status in (ImportRun.Status.PENDING, ImportRun.Status.RUNNING, ImportRun.Status.COMMITTING)
    return Response({"id": run.pk, "status": run.status, "counts": run.counts},
                    status=status.HTTP_202_ACCEPTED if working else created)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "导入后已有数据被修改，不能撤销。"
    default_code = "conflict"


class ImportRunViewSet(ScopedReadOnlyViewSet):
    """The import runs in the caller's scope (their community's, their sub-district's), newest first."""

    queryset = ImportRun.objects.all()
    serializer_class = ImportRunSerializer
    allowed = staticmethod(can_write_registry)
    may_write = staticmethod(can_write_registry)
    denied_message = "您的角色不能导入数据。"

    def get_queryset(self):
        return ImportRun.objects.visible_to(self.request.user).select_related("user")

    @extend_schema(parameters=[OpenApiParameter("outcome", enum=ImportRow.Outcome.values, required=False)],
                   responses=ImportRowSerializer(many=True))
    @action(detail=True)
    def rows(self, request, pk=None):
        run = self.get_object()
        rows = run.rows.order_by("id")
        outcome = request.query_params.get("outcome")
        if outcome:
            if outcome not in ImportRow.Outcome.values:
                raise exceptions.ValidationError({"outcome": ["结果应为 new、update、warning 或 rejected。"]})
            rows = rows.filter(outcome=outcome)
        page = self.paginate_queryset(rows.only("run_id", "sheet", "row", "outcome", "reasons", "name", "id_masked"))
        return self.get_paginated_response(ImportRowSerializer(page, many=True).data)

    @extend_schema(responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=True)
    def rejected(self, request, pk=None):
        run = self.get_object()
        with rejected_workbook(actor=request.user, run=run) as path:
            stream = open(path, "rb")  # noqa: SIM115  (FileResponse closes it; the path is removed now)
        return FileResponse(stream, as_attachment=True, filename=f"未导入的行-{run.pk}.xlsx", content_type=XLSX)

    @extend_schema(request=None, responses={
        200: inline_serializer("ImportCommitted", {"status": serializers.CharField(),
                                                   "created": serializers.IntegerField(),
                                                   "updated": serializers.IntegerField(),
                                                   "note": serializers.CharField()}),
        202: inline_serializer("ImportWorking", {"id": serializers.IntegerField(), "status": serializers.CharField(),
                                                 "counts": ImportCountsSerializer()})})
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        run = self.get_object()
        before = run.status
        run = import_commit(actor=request.user, run=run)
        if run.status == ImportRun.Status.COMMITTED:
            return Response({"status": run.status, "created": run.created, "updated": run.updated, "note": run.note})
        if run.status == ImportRun.Status.PREVIEW and run.error and before == ImportRun.Status.PREVIEW:
            raise ValidationError(run.error)  # the commit ran here and wrote nothing
        return run_answer(run)

    @extend_schema(request=None, responses={(200, 202): inline_serializer(
        "ImportRestarted", {"id": serializers.IntegerField(), "status": serializers.CharField(),
                            "counts": ImportCountsSerializer()})})
    @action(detail=True, methods=["post"])
    def restart(self, request, pk=None):
        """An interrupted run (stalled: true) starts its step again: the ledger read afresh, or the commit."""
        return run_answer(import_restart(actor=request.user, run=self.get_object()), created=200)

    @extend_schema(request=None, responses={
        200: inline_serializer("ImportUndone", {"status": serializers.CharField()}),
        409: inline_serializer("ImportConflict", {"detail": serializers.CharField(),
                                                  "changes": serializers.ListField(child=serializers.CharField())})})
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        run = self.get_object()
        try:
            run = import_undo(actor=request.user, run=run)
        except ImportConflict as e:
            return Response({"detail": str(e), "changes": e.changes}, status=status.HTTP_409_CONFLICT)
        return Response({"status": run.status})
