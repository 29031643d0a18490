"""The pages that read across the features: each role's home, the dashboard, the monthly report packs."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import ListView, TemplateView

from jiedao import audit
from jiedao.dates import MONTH_ERROR, parse_month
from jiedao.exports import XLSX
from jiedao.models import AuditAction
from jiedao.money import yuan
from jiedao.params import positive_int
from jiedao.routers import reading_replica
from jiedao.scope import (
    builds_reports,
    can_manage_places,
    can_record_visits,
    can_write_registry,
    is_auditor,
    is_district_officer,
    is_point_operator,
    is_team_leader,
    manages_accounts,
    reads_registry,
    reads_reports,
    works_in_places,
)
from jiedao.views import PageNumberMixin, RoleRequiredMixin
from residents.models import CareTier, Grid, Resident, Status, Subdistrict
from visits import schedule

from .models import MonthlyReport
from .selectors import month_to_open, monthly_figures, one_subdistrict, schedule_figures
from .services import previous_month, reader_of, report_build, report_filename


class HomeView(LoginRequiredMixin, TemplateView):
    """Each role's start page: what it is there to do, with the figures of its scope."""

    template_name = "home.html"

    def get(self, request, *args, **kwargs):
        if is_point_operator(request.user):
            return redirect("care:checkin")  # the counter is the operator's whole job
        if is_team_leader(request.user):
            return redirect("volunteers:leader")  # a team leader's work is their team's, on a phone
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["role"] = user.role
        if reads_registry(user):
            residents = Resident.objects.visible_to(user).filter(status=Status.ACTIVE)
            context["by_community"] = (
                residents.values("community_id", "community__name").annotate(n=Count("id")).order_by("community__name")
            )
            context["total"] = residents.count()
            context["key_residents"] = residents.filter(care_tier=CareTier.KEY).select_related("grid")[:20]
            # A grid worker's or staff member's own grids; a whole sub-district's would be a wall of links.
            if works_in_places(user):
                context["grids"] = Grid.objects.visible_to(user).select_related("community")[:24]
        if can_record_visits(user):
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
        context["manages_accounts"] = manages_accounts(user)
        return context


def pick_subdistrict(request) -> tuple[list, Subdistrict | None, str]:
    """The district bureau reads every sub-district, grouped with a subtotal each, or one of them
    (`?subdistrict=`): (its sub-districts, the one picked or None, a message for a wrong pick). Other roles
    read their own sub-district only and have nothing to pick."""
    if not is_district_officer(request.user):
        return [], None, ""
    subdistricts = list(Subdistrict.objects.visible_to(request.user).order_by("name"))
    raw = request.GET.get("subdistrict", "")
    if not raw:
        return subdistricts, None, ""
    chosen = next((s for s in subdistricts if s.pk == positive_int(raw)), None)
    return subdistricts, chosen, "" if chosen else "没有这个街道，请从列表中选择。"


class DashboardView(RoleRequiredMixin, TemplateView):
    """Leaders' dashboard: the month's figures (reports.selectors.monthly_figures, as the API gives them)
    as cards, charts drawn in the browser by the Chart.js the app serves, and tables whose every count
    links to the list it was counted from."""

    template_name = "dashboard.html"

    def allowed(self, user):
        return reads_reports(user)

    def get_context_data(self, **kwargs):
        user = self.request.user
        raw = self.request.GET.get("month", "")
        asked = parse_month(raw)
        today = timezone.localdate()
        month, fell_back = (asked, False) if asked else month_to_open(user, today)
        subdistricts, chosen, subdistrict_error = pick_subdistrict(self.request)
        with reading_replica():
            figures = monthly_figures(user, month)
            if chosen:
                figures = {**one_subdistrict(figures, chosen.pk), **schedule_figures(reader_of(chosen), month)}
        # Templates cannot index a dict by a variable key: each row becomes (name, [(value, link, label)]),
        # sums of money as money (3,000.00).
        def shown(value, column):
            return yuan(value) if column["kind"] == "money" else value

        tables = [{"key": a["key"], "title": a["title"], "columns": a["columns"], "note": a.get("note", ""),
                   "rows": [(r["name"], [(shown(r["values"][c["key"]], c), r["links"].get(c["key"]), c["label"])
                                         for c in a["columns"]], r.get("subtotal"))
                            for r in a["rows"]]} for a in figures["areas"]]
        cases = next(a for a in figures["areas"] if a["key"] == "cases")
        states = [(s["key"], s["label"]) for s in cases["states"]]
        case_rows = [(row["label"], [(row["states"][s], row["links"].get(s), label) for s, label in states])
                     for row in cases["by_kind"]]
        totals = {a["key"]: {"values": a["rows"][-1]["values"], "links": a["rows"][-1]["links"]}
                  for a in figures["areas"]}
        return super().get_context_data(
            figures=figures, tables=tables, totals=totals, case_states=states, case_rows=case_rows,
            month_error=MONTH_ERROR if raw and asked is None else "", fell_back=fell_back,
            subdistricts=subdistricts, chosen=chosen, subdistrict_error=subdistrict_error,
            grouped=len(subdistricts) > 1 and chosen is None,
            this_month=today.strftime("%Y-%m"), **kwargs)


class ReportListView(RoleRequiredMixin, PageNumberMixin, ListView):
    """The monthly report packs of the user's sub-districts: the current version of each month, its
    history, and (for the sub-district admin) a button to build a month again."""

    template_name = "reports/list.html"
    paginate_by = 24

    def allowed(self, user):
        return reads_reports(user)

    def get(self, request, *args, **kwargs):
        self.subdistricts, self.chosen, self.subdistrict_error = pick_subdistrict(request)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        reports = (MonthlyReport.objects.visible_to(self.request.user).with_current().defer("content", "figures")
                   .select_related("subdistrict", "made_by"))
        if self.chosen:
            reports = reports.filter(subdistrict=self.chosen)
        if len(self.subdistricts) > 1:
            reports = reports.order_by("subdistrict__name", "-month", "-version")
        return reports

    def get_context_data(self, **kwargs):
        last_month = previous_month()
        overview = []
        if len(self.subdistricts) > 1:
            # Each sub-district's subtotal: how many months it has packed, its latest, and whether last
            # month's is in (the 02:00 job builds it; a missing one is what the bureau chases).
            found = {row["subdistrict_id"]: row for row in MonthlyReport.objects.visible_to(self.request.user)
                     .values("subdistrict_id").annotate(months=Count("month", distinct=True), latest=Max("month"),
                                                        versions=Count("id")).order_by()}
            overview = [(s, found.get(s.pk, {}), found.get(s.pk, {}).get("latest") == last_month)
                        for s in (self.subdistricts if not self.chosen else [self.chosen])]
        return super().get_context_data(last_month=f"{last_month:%Y-%m}", subdistricts=self.subdistricts,
                                        chosen=self.chosen, subdistrict_error=self.subdistrict_error,
                                        overview=overview, can_build=builds_reports(self.request.user), **kwargs)

    def post(self, request):
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
    report = get_object_or_404(MonthlyReport.objects.visible_to(request.user).select_related("subdistrict"), pk=pk)
    return report_response(request, report)


def report_response(request, report):
    """A report's workbook as a download, with its audit entry: the one path of the page and the API."""
    audit.record(actor=request.user, action=AuditAction.EXPORT, target=report,
                 changes={"list": "月报", "month": f"{report.month:%Y-%m}", "version": report.version})
    response = FileResponse(io.BytesIO(bytes(report.content)), as_attachment=True,
                            filename=report_filename(report), content_type=XLSX)
    response["X-Checksum-SHA256"] = report.checksum
    return response
