"""Shared page plumbing (the scoped list view, role checks) and the project's own pages."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import InvalidPage
from django.db.models import Count
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.generic import ListView, TemplateView

from residents.models import Grid, Resident, Status

from .filters import MONTH_ERROR, AuditEntryFilterSet
from .models import AuditEntry, ExportJob, Role
from .pagination import MAX_PAGE_SIZE
from .scope import (
    REGISTRY_READERS,
    builds_reports,
    can_manage_places,
    can_write_registry,
    is_auditor,
    reads_reports,
)


class RoleRequiredMixin(LoginRequiredMixin):
    """A page for some roles only: others get 403 (after login)."""

    def allowed(self, user) -> bool:
        return True

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.allowed(request.user):
            raise PermissionDenied("您的角色无权访问此页面。")
        return super().dispatch(request, *args, **kwargs)


class RegistryReaderMixin(RoleRequiredMixin):
    def allowed(self, user):
        return user.role in REGISTRY_READERS


class RegistryWriterMixin(RoleRequiredMixin):
    def allowed(self, user):
        return can_write_registry(user)


class PlaceManagerMixin(RoleRequiredMixin):
    def allowed(self, user):
        return can_manage_places(user)


def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: at its field when the form has one, else on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class ServiceFormMixin:
    """Run the form's service; its ValidationErrors land at the fields and the data stays as typed.

    Subclasses define run_service(form) and success_url_for(obj).
    """

    def form_valid(self, form):
        try:
            obj = self.run_service(form)
        except ValidationError as e:
            add_service_errors(form, e)
            return self.form_invalid(form)
        return redirect(self.success_url_for(obj))


class FilteredListView(ListView):
    """A list page: Model.objects.visible_to(user), narrowed by the same FilterSet as the API.

    Subclasses set `model`, `filterset_class`, `template_name`, and may override `base_queryset()`
    to add select_related/prefetch for the columns they show.
    """

    filterset_class = None
    paginate_by = 50
    # jiedao.exports.Columns (or a list of (header, accessor, width)): set it and ?export=xlsx downloads
    # the list, from a worker when it is long (settings.EXPORT_ASYNC_THRESHOLD).
    export_columns = None
    export_name = ""

    @classmethod
    def for_user(cls, user) -> "FilteredListView":
        """The view as an export worker runs it: the job's user, with no browser request. The user must
        still be active and allowed this page, as they were when they asked."""
        request = HttpRequest()
        request.user = user
        view = cls()
        view.setup(request)
        allowed = getattr(view, "allowed", None)
        if not user.is_active or (allowed and not allowed(user)):
            raise PermissionDenied("您的账号已无权导出此列表。")
        return view

    def get(self, request, *args, **kwargs):
        if self.export_columns and request.GET.get("export") == "xlsx":
            return self.export(request)
        return super().get(request, *args, **kwargs)

    def export(self, request):
        """Every row of the page's own FilterSet and scope (not a page): written now when few, else
        queued for a worker, whose job page shows the progress."""
        from . import exports

        queryset = self.get_queryset()
        total = queryset.count()
        if total <= settings.EXPORT_ASYNC_THRESHOLD:
            return exports.export_response(request=request, name=self.export_name, columns=self.export_columns,
                                           queryset=queryset, filters=request.GET.dict())
        query = request.GET.urlencode()
        if len(query) > ExportJob._meta.get_field("query").max_length:
            raise BadRequest("筛选条件过长，无法导出。")
        job = exports.export_job_create(user=request.user, view=f"{type(self).__module__}.{type(self).__qualname__}",
                                        name=self.export_name, query=query, total=total)
        return redirect("export_job", pk=job.pk)

    def base_queryset(self):
        return self.model.objects.visible_to(self.request.user)

    def get_queryset(self):
        return self.filtered_rows(self.request.GET)

    def filtered_rows(self, params):
        """The list's rows for the view's user under `params`: the page (and its export) and the export
        worker both build them here, so the same query string gives the same rows."""
        self.filterset = self.filterset_class(params or None, queryset=self.base_queryset(), request=self.request)
        # A filter the user got wrong shows its error and no rows, as the API answers 400: never rows
        # that quietly ignore part of the query.
        if self.filterset.is_bound and not self.filterset.is_valid():
            return self.filterset.queryset.none()
        return self.filterset.qs

    def get_paginate_by(self, queryset):
        raw = self.request.GET.get("page_size", "")
        return int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_PAGE_SIZE else self.paginate_by

    def paginate_queryset(self, queryset, page_size):
        try:
            return super().paginate_queryset(queryset, page_size)
        except Http404:
            # A page number past the end (or not a number) shows the last page, not an error.
            paginator = self.get_paginator(queryset, page_size)
            try:
                page = paginator.page(paginator.num_pages)
            except InvalidPage:
                page = paginator.page(1)
            return paginator, page, page.object_list, page.has_other_pages()

    def summarize(self, queryset) -> dict:
        """Figures of the whole filtered list beyond its count (sums, distinct people), shown above it:
        the dashboard's figures link here and must equal them."""
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        paginator = context.get("paginator")
        summary = {"count": paginator.count if paginator else len(context["object_list"]),
                   **self.summarize(self.object_list)}
        context.update(filterset=self.filterset, filter_form=self.filterset.form, query=query.urlencode(),
                       summary=summary)
        return context


class HomeView(LoginRequiredMixin, TemplateView):
    """Each role's start page: what it is there to do, with the figures of its scope."""

    template_name = "home.html"

    def get(self, request, *args, **kwargs):
        if request.user.role == Role.POINT_OPERATOR:
            return redirect("care:checkin")  # the counter is the operator's whole job
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["role"] = user.role
        if user.role in REGISTRY_READERS:
            residents = Resident.objects.visible_to(user).filter(status=Status.ACTIVE)
            context["by_community"] = (
                residents.values("community_id", "community__name").annotate(n=Count("id")).order_by("community__name")
            )
            context["total"] = residents.count()
            context["key_residents"] = residents.filter(care_tier="key").select_related("grid")[:20]
            # A grid worker's or staff member's own grids; a whole sub-district's would be a wall of links.
            if user.role in (Role.GRID_WORKER, Role.COMMUNITY_STAFF):
                context["grids"] = Grid.objects.visible_to(user).select_related("community")[:24]
        from visits.services import can_record_visits

        if can_record_visits(user):
            from visits import schedule

            items = schedule.due_items(Resident.objects.visible_to(user))
            now = timezone.now()
            context["visits_today"] = {
                "missed": sum(schedule.curtain_missed(i, now) for i in items),
                "overdue": sum(i.is_overdue for i in items),
                "due": sum(not i.is_overdue and not schedule.curtain_missed(i, now) for i in items),
            }
        context["can_write"] = can_write_registry(user)
        context["can_manage"] = can_manage_places(user)
        context["is_auditor"] = is_auditor(user)
        return context


class DashboardView(RoleRequiredMixin, TemplateView):
    """Leaders' dashboard: the month's figures (jiedao.selectors.monthly_figures, as the API gives them)
    as cards, charts drawn in the browser by the Chart.js the app serves, and tables whose every count
    links to the list it was counted from."""

    template_name = "dashboard.html"

    def allowed(self, user):
        return reads_reports(user)

    def get_context_data(self, **kwargs):
        from .filters import parse_month
        from .selectors import monthly_figures

        raw = self.request.GET.get("month", "")
        month = parse_month(raw)
        today = timezone.localdate()
        figures = monthly_figures(self.request.user, month or today.replace(day=1))
        # Templates cannot index a dict by a variable key: each row becomes (name, [(value, link, label)]).
        tables = [{"key": a["key"], "title": a["title"], "columns": a["columns"],
                   "rows": [(r["name"], [(r["values"][c["key"]], r["links"].get(c["key"]), c["label"])
                                         for c in a["columns"]]) for r in a["rows"]]} for a in figures["areas"]]
        cases = next(a for a in figures["areas"] if a["key"] == "cases")
        states = [(s["key"], s["label"]) for s in cases["states"]]
        case_rows = [(row["label"], [(row["states"][s], row["links"].get(s), label) for s, label in states])
                     for row in cases["by_kind"]]
        totals = {a["key"]: {"values": a["rows"][-1]["values"], "links": a["rows"][-1]["links"]}
                  for a in figures["areas"]}
        return super().get_context_data(
            figures=figures, tables=tables, totals=totals, case_states=states, case_rows=case_rows,
            month_error=MONTH_ERROR if raw and month is None else "",
            this_month=today.strftime("%Y-%m"), **kwargs)


class AuditLogView(RoleRequiredMixin, FilteredListView):
    model = AuditEntry
    filterset_class = AuditEntryFilterSet
    template_name = "audit/list.html"

    def allowed(self, user):
        return is_auditor(user)


LOCKED_MESSAGE = "登录失败次数过多，账号已暂时锁定，请 30 分钟后再试或联系街道管理员解锁。"


def lockout_response(request, original_response=None, credentials=None):
    """django-axes calls this for a locked account: JSON for API clients, a page for people."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": LOCKED_MESSAGE}, status=403)
    return render(request, "registration/locked_out.html", {"message": LOCKED_MESSAGE}, status=403)


class ReportListView(RoleRequiredMixin, ListView):
    """The monthly report packs of the user's sub-districts: the current version of each month, its
    history, and (for the sub-district admin) a button to build a month again."""

    template_name = "reports/list.html"
    paginate_by = 24

    def allowed(self, user):
        return reads_reports(user)

    def get_queryset(self):
        from .models import MonthlyReport

        return (MonthlyReport.objects.visible_to(self.request.user).with_current().defer("content", "figures")
                .select_related("subdistrict", "made_by"))

    def get_context_data(self, **kwargs):
        from .reports import previous_month

        return super().get_context_data(last_month=f"{previous_month():%Y-%m}",
                                        can_build=builds_reports(self.request.user), **kwargs)

    def post(self, request):
        from django.contrib import messages

        from .filters import parse_month
        from .reports import report_build

        month = parse_month(request.POST.get("month"))
        if month is None:
            messages.error(request, MONTH_ERROR)
        else:
            try:
                report = report_build(subdistrict=request.user.subdistrict, month=month, actor=request.user)
            except ValidationError as e:
                messages.error(request, "；".join(e.message_dict["month"]))
            else:
                messages.success(request, f"已生成 {report.month:%Y-%m} 月报第 {report.version} 版。")
        return redirect("reports")


@login_required
def report_download(request, pk):
    """The workbook of one report version, for those who may read reports there; each download logged."""
    from .models import MonthlyReport

    report = get_object_or_404(MonthlyReport.objects.visible_to(request.user).select_related("subdistrict"), pk=pk)
    return report_response(request, report)


def report_response(request, report):
    """A report's workbook as a download, with its audit entry: shared by the page and the API."""
    import io

    from django.http import FileResponse

    from . import audit
    from .exports import XLSX
    from .models import AuditAction
    from .reports import report_filename

    audit.record(actor=request.user, action=AuditAction.EXPORT, target=report,
                 changes={"list": "月报", "month": f"{report.month:%Y-%m}", "version": report.version})
    response = FileResponse(io.BytesIO(bytes(report.content)), as_attachment=True,
                            filename=report_filename(report), content_type=XLSX)
    response["X-Checksum-SHA256"] = report.checksum
    return response
