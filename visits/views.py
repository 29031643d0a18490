import re
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from jiedao.dates import parse_month
from jiedao.scope import can_edit_plans, can_manage_places, can_record_visits
from jiedao.views import FilteredListView, RegistryReaderMixin, RoleRequiredMixin, ServiceFormMixin
from residents.models import Resident

from . import schedule, selectors, services
from .exports import VISITS
from .filters import HazardFilterSet
from .forms import CarePlanForm, VisitForm, VisitRuleForm
from .models import CarePlan, Hazard, HazardStatus, Method, Visit, VisitRule


class DayView(RegistryReaderMixin, TemplateView):
    """The grid worker's day on a phone: missed curtains, overdue, due today, done."""

    template_name = "visits/day.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**selectors.day_of(self.request.user),
                                        can_record=can_record_visits(self.request.user), **kwargs)


class ResidentActionMixin(RoleRequiredMixin):
    """A page about one resident: the role is asked first (403), then the scope finds them (404)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if not self.allowed(request.user):
                raise PermissionDenied("您的角色无权进行此操作。")
            self.resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=kwargs["resident"])
        return super().dispatch(request, *args, **kwargs)


class VisitCreateView(ResidentActionMixin, ServiceFormMixin, FormView):
    form_class = VisitForm
    template_name = "visits/visit_form.html"

    def allowed(self, user):
        return can_record_visits(user)

    def get_initial(self):
        method = self.request.GET.get("method")
        return {"method": method if method in Method.values else Method.HOME}

    def get_context_data(self, **kwargs):
        return super().get_context_data(resident=self.resident, **kwargs)

    def run_service(self, form):
        data = form.cleaned_data
        return services.visit_record(actor=self.request.user, resident=self.resident, method=data["method"],
                                     visited_at=data["visited_at"], hazards=form.hazards(), **form.findings())

    def success_url_for(self, visit):
        messages.success(self.request, f"已记录 {visit.resident.name} 的{visit.get_method_display()}。")
        return reverse("visits:day")


CLOCK_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")  # ASCII digits: what <input type=time> sends


@login_required
@require_POST
def curtain_sign(request, resident):
    """The curtain pact's second tap: "窗帘已开" on the day page records today's sign — now, or, after the
    deadline, at the time the worker learnt the curtain was in fact opened (`at`, HH:MM today)."""
    if not can_record_visits(request.user):
        raise PermissionDenied("您的角色不能记录走访。")
    person = get_object_or_404(Resident.objects.visible_to(request.user), pk=resident)
    visited_at = None
    if request.POST.get("at"):
        found = CLOCK_TIME.fullmatch(request.POST["at"])
        if found is None:
            messages.error(request, "开窗时间格式不对，请按“时:分”填写，如 09:10。")
            return redirect("visits:day")
        # A time not yet come is the service's to refuse, as for every visit.
        visited_at = timezone.localtime().replace(hour=int(found[1]), minute=int(found[2]), second=0, microsecond=0)
    try:
        services.visit_record(actor=request.user, resident=person, method=Method.CURTAIN_SIGN,
                              visited_at=visited_at, ok=request.POST.get("ok", "1") == "1")
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    else:
        messages.success(request, f"已记录 {person.name} 今天的窗帘之约。")
    return redirect("visits:day")


class VisitListView(FilteredListView):
    export_list = VISITS
    template_name = "visits/visit_list.html"

    def base_queryset(self):
        return super().base_queryset().select_related("resident__grid", "visitor")


class OverviewView(RegistryReaderMixin, TemplateView):
    """Compliance of the user's scope, overdue items by worker, open hazards, the monthly visit rate."""

    template_name = "visits/overview.html"

    def get_context_data(self, **kwargs):
        user, today = self.request.user, timezone.localdate()
        week_start = today - timedelta(days=today.weekday())
        month = parse_month(self.request.GET.get("month")) or today.replace(day=1)
        items = schedule.due_items(Resident.objects.visible_to(user))  # once, for every figure below
        overdue = [i for i in items if i.is_overdue]
        now = timezone.now()
        return super().get_context_data(
            missed_curtains=sum(schedule.curtain_missed(i, now) for i in items),
            week=selectors.compliance(Visit.objects.visible_to(user), week_start, today, len(overdue)),
            month_compliance=selectors.compliance(Visit.objects.visible_to(user), today.replace(day=1), today,
                                                  len(overdue)),
            by_worker=selectors.overdue_by_worker(overdue),
            open_hazards=Hazard.objects.visible_to(user).open().count(),
            visit_rate=selectors.monthly_visit_rate(user, month),
            **kwargs)


class HazardListView(RegistryReaderMixin, FilteredListView):
    model = Hazard
    filterset_class = HazardFilterSet
    template_name = "visits/hazard_list.html"

    def base_queryset(self):
        return super().base_queryset().select_related("resident__grid", "closed_by")

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_record=can_record_visits(self.request.user), **kwargs)


@login_required
@require_POST
def hazard_transition(request, pk, status):
    hazard = get_object_or_404(Hazard.objects.visible_to(request.user), pk=pk)
    if status not in (HazardStatus.IN_HAND, HazardStatus.CLOSED):
        raise PermissionDenied("未知的状态。")
    try:
        services.hazard_transition(actor=request.user, hazard=hazard, status=status,
                                   note=request.POST.get("note", ""))
        messages.success(request, "隐患状态已更新。")
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    return redirect("visits:hazards")


class PlanView(ResidentActionMixin, ServiceFormMixin, FormView):
    form_class = CarePlanForm
    template_name = "visits/plan_form.html"

    def allowed(self, user):
        return can_edit_plans(user)

    def get_form_kwargs(self):
        plan = CarePlan.objects.visible_to(self.request.user).filter(resident=self.resident).first() \
            or CarePlan(resident=self.resident)
        return {**super().get_form_kwargs(), "resident": self.resident, "instance": plan}

    def get_context_data(self, **kwargs):
        return super().get_context_data(resident=self.resident, **kwargs)

    def run_service(self, form):
        data = form.cleaned_data
        return services.care_plan_save(actor=self.request.user, resident=self.resident,
                                       responsible=data["responsible"], curtain_pact=data["curtain_pact"],
                                       curtain_deadline=data["curtain_deadline"])

    def success_url_for(self, plan):
        messages.success(self.request, f"已保存 {self.resident.name} 的关爱计划。")
        return reverse("residents:resident_detail", args=[self.resident.pk])


class RulesView(RoleRequiredMixin, ServiceFormMixin, FormView):
    """The sub-district admin's visit plans: every rule, and a form to add or change one."""

    form_class = VisitRuleForm
    template_name = "visits/rules.html"

    def allowed(self, user):
        return can_manage_places(user)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "pk" in self.kwargs:
            rules = VisitRule.objects.visible_to(self.request.user)
            kwargs["instance"] = get_object_or_404(rules, pk=self.kwargs["pk"])
        return kwargs

    def get_context_data(self, **kwargs):
        rules = VisitRule.objects.visible_to(self.request.user)
        return super().get_context_data(rules=rules, editing="pk" in self.kwargs, **kwargs)

    def run_service(self, form):
        return services.visit_rule_save(actor=self.request.user, rule=form.instance)

    def success_url_for(self, rule):
        messages.success(self.request, f"已保存规则：{rule}。")
        return reverse("visits:rules")


@login_required
def rule_delete(request, pk):
    """Deleting a rule asks first, saying how many residents' plans it takes a visit out of."""
    if not can_manage_places(request.user):
        raise PermissionDenied("只有街道管理员可以设置探访规则。")
    rule = get_object_or_404(VisitRule.objects.visible_to(request.user), pk=pk)
    if request.method != "POST":
        return render(request, "visits/rule_delete.html", {"rule": rule, "reach": selectors.rule_reach(rule)})
    services.visit_rule_delete(actor=request.user, rule=rule)
    messages.success(request, f"已删除规则：{rule}。")
    return redirect("visits:rules")
