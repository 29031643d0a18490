"""The child programmes' pages: the lists (programmes, enrolments: page = API = export), a programme's page
(sessions, who came, the rate, the enrolled and the waiting), the staff's enrolment form, the register on a
phone, the children absent three sessions running, and the public page where parents sign up."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, TemplateView

from jiedao.scope import (
    delivers_nutrition,
    manages_programmes,
    plans_nutrition,
    reads_service_records,
    sees_child_details,
    takes_child_attendance,
)
from jiedao.views import FilteredListView, RegistryReaderMixin, RoleRequiredMixin, ServiceFormMixin, add_service_errors
from residents.models import Resident
from residents.selectors import resident_by_id_number

from . import selectors, services, signup
from .choices import EnrolmentStatus
from .exports import ENROLMENTS, NUTRITION_DELIVERIES, NUTRITION_PLANS, PROGRAMMES
from .forms import (
    ConfirmForm,
    EnrolForm,
    MissForm,
    PatternForm,
    PlanChangeForm,
    PlanForm,
    ProgrammeForm,
    PublicSignUpForm,
    SessionForm,
)
from .models import Attendance, Enrolment, NutritionDelivery, NutritionPlan, Programme, Session
from .querysets import with_counts


class ProgrammeListView(FilteredListView):
    """Programmes at the points in the user's scope, filtered like /api/v1/programmes/."""

    export_list = PROGRAMMES
    template_name = "child_services/programme_list.html"

    def base_queryset(self):
        return with_counts(super().base_queryset().select_related("point"))

    def summarize(self, queryset):
        # The dashboard's 名额 figure links here and must equal this.
        return {"places": queryset.order_by().aggregate(places=Sum("capacity"))["places"] or 0}

    def get_context_data(self, **kwargs):
        return super().get_context_data(can_manage=manages_programmes(self.request.user), **kwargs)


class EnrolmentListView(FilteredListView):
    """Enrolments, filtered like /api/v1/enrolments/: children's details, for the registry's readers only."""

    export_list = ENROLMENTS
    template_name = "child_services/enrolment_list.html"

    def base_queryset(self):
        return super().base_queryset().select_related("child", "programme__point")


class ProgrammeDetailView(RoleRequiredMixin, TemplateView):
    template_name = "child_services/programme_detail.html"

    def allowed(self, user):
        return reads_service_records(user)

    def get_context_data(self, **kwargs):
        user = self.request.user
        programme = get_object_or_404(with_counts(Programme.objects.visible_to(user).select_related("point")),
                                      pk=self.kwargs["pk"])
        sessions = list(selectors.programme_sessions(user, programme))
        enrolments = list(Enrolment.objects.visible_to(user).filter(programme=programme).live()
                          .select_related("child").order_by("status", "position", "created_at", "id"))
        return super().get_context_data(
            programme=programme, sessions=sessions, totals=selectors.programme_totals(sessions),
            enrolled=[e for e in enrolments if e.status == EnrolmentStatus.ENROLLED],
            waiting=[e for e in enrolments if e.status == EnrolmentStatus.WAITLISTED],
            absent=selectors.absent_runs(user, programme), details=sees_child_details(user),
            manages=manages_programmes(user), takes=takes_child_attendance(user),
            session_form=SessionForm(), pattern_form=PatternForm(),
            public_url=self.request.build_absolute_uri(reverse("children:public", args=[programme.pk])), **kwargs)


class ProgrammeFormView(RoleRequiredMixin, ServiceFormMixin, FormView):
    form_class = ProgrammeForm
    template_name = "child_services/programme_form.html"

    def allowed(self, user):
        return manages_programmes(user)

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "actor": self.request.user}
        if "pk" in self.kwargs:
            kwargs["instance"] = get_object_or_404(Programme.objects.visible_to(self.request.user),
                                                   pk=self.kwargs["pk"])
        return kwargs

    def run_service(self, form):
        return services.programme_save(actor=self.request.user, programme=form.instance)

    def success_url_for(self, programme):
        messages.success(self.request, "课程已保存。")
        return reverse("children:programme_detail", args=[programme.pk])


def _programme_for(request, pk, rule) -> Programme:
    if not rule(request.user):
        raise PermissionDenied("您的角色不能进行此操作。")
    return get_object_or_404(Programme.objects.visible_to(request.user), pk=pk)


@login_required
@require_POST
def sessions_add(request, pk):
    """One session (starts_at, ends_at) or a weekly pattern (weekdays, start, end) over the programme's dates."""
    programme = _programme_for(request, pk, manages_programmes)
    weekly = "weekdays" in request.POST or "start" in request.POST
    form = (PatternForm if weekly else SessionForm)(request.POST)
    if form.is_valid():
        try:
            if weekly:
                made = services.sessions_from_pattern(actor=request.user, programme=programme, **form.cleaned_data)
                messages.success(request, f"已生成 {len(made)} 次课。")
            else:
                services.session_create(actor=request.user, programme=programme, **form.cleaned_data)
                messages.success(request, "已添加一次课。")
        except ValidationError as e:
            add_service_errors(form, e)
    if form.errors:
        messages.error(request, "；".join(str(m) for errors in form.errors.values() for m in errors)[:300])
    return redirect("children:programme_detail", pk=programme.pk)


class EnrolView(RoleRequiredMixin, FormView):
    """Staff enrol a child on a parent's behalf (the same service as the API and the public page)."""

    form_class = EnrolForm
    template_name = "child_services/enrol.html"

    def allowed(self, user):
        return manages_programmes(user)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and manages_programmes(request.user):
            self.programme = get_object_or_404(Programme.objects.visible_to(request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(programme=self.programme, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        child = resident_by_id_number(data["child_id_number"], queryset=Resident.objects.visible_to(self.request.user))
        if child is None:
            form.add_error("child_id_number", "找不到该儿童，或不在您的管辖范围内。")
            return self.form_invalid(form)
        try:
            enrolment = services.enrolment_create(actor=self.request.user, programme=self.programme, child=child,
                                                  guardian_name=data["guardian_name"],
                                                  guardian_phone=data["guardian_phone"])
        except ValidationError as e:
            if hasattr(e, "error_dict") and "child" in e.error_dict:
                e.error_dict["child_id_number"] = e.error_dict.pop("child")
            add_service_errors(form, e)
            return self.form_invalid(form)
        if enrolment.status == EnrolmentStatus.ENROLLED:
            messages.success(self.request, f"{child.name} 已录取。")
        else:
            messages.success(self.request, f"名额已满，{child.name} 已进入候补，第 {enrolment.position} 位。")
        return redirect("children:programme_detail", pk=self.programme.pk)


@login_required
@require_POST
def enrolment_withdraw(request, pk):
    if not manages_programmes(request.user):
        raise PermissionDenied("您的角色不能办理退出。")
    enrolment = get_object_or_404(Enrolment.objects.visible_to(request.user), pk=pk)
    try:
        services.enrolment_withdraw(actor=request.user, enrolment=enrolment,
                                    reason=request.POST.get("reason", ""))
        messages.success(request, "已办理退出；候补的第一位已自动转为录取。")
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    return redirect("children:programme_detail", pk=enrolment.programme_id)


class AttendanceView(RoleRequiredMixin, TemplateView):
    """A session's register on a phone: one tap per child, saved at once for all."""

    template_name = "child_services/attendance.html"

    def allowed(self, user):
        return takes_child_attendance(user)

    def session(self) -> Session:
        return get_object_or_404(Session.objects.visible_to(self.request.user).select_related("programme__point"),
                                 pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        session = kwargs.pop("session", None) or self.session()
        children = (Enrolment.objects.visible_to(self.request.user)
                    .filter(programme_id=session.programme_id, status=EnrolmentStatus.ENROLLED)
                    .select_related("child").order_by("child__name_pinyin", "id"))
        marks = dict(Attendance.objects.filter(session=session).values_list("enrolment_id", "present"))
        return super().get_context_data(session=session, programme=session.programme,
                                        children=[(e, marks.get(e.pk)) for e in children], taken=bool(marks),
                                        **kwargs)

    def post(self, request, *args, **kwargs):
        session = self.session()
        present = [int(v) for v in request.POST.getlist("present") if v.isascii() and v.isdigit() and len(v) < 10]
        try:
            counts = services.attendance_record(actor=request.user, session=session, present=present)
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
            return self.render_to_response(self.get_context_data(session=session), status=400)
        messages.success(request, f"已保存：出勤 {counts['present']} 人，缺勤 {counts['absent']} 人。")
        return redirect("children:attendance", pk=session.pk)


class AbsenceListView(RoleRequiredMixin, TemplateView):
    """Children absent three sessions running, in the user's scope: whom to call."""

    template_name = "child_services/absences.html"

    def allowed(self, user):
        return reads_service_records(user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(absent=selectors.absent_runs(self.request.user),
                                        run=selectors.ABSENT_RUN, **kwargs)


# --- the public page: no account ----------------------------------------------------------------------

def public_programme(request, pk):
    """A programme's public page and its sign-up form. Whatever is typed, a well-formed request gets the same
    answer (the registry is never told through this page); the result goes to the guardian's phone."""
    programme = Programme.objects.select_related("point").filter(pk=pk).first() if pk < 2**31 else None
    if programme is None:
        raise Http404("没有这个课程。")
    form = PublicSignUpForm(request.POST or None)
    answered, status = False, 200
    if request.method == "POST":
        if not signup.allowed_from(request):
            return render(request, "child_services/public.html", {
                "programme": programme, "form": form, "limited": True,
                "places": signup.places_left(programme)}, status=429)
        if form.is_valid():
            signup.public_sign_up(programme=programme, id_number=form.cleaned_data["id_number"],
                                  phone=form.cleaned_data["guardian_phone"])
            answered, form = True, PublicSignUpForm()
        else:
            status = 400
    return render(request, "child_services/public.html", {
        "programme": programme, "form": form, "answered": answered, "places": signup.places_left(programme),
        "window": services.refusal_for_window(programme, signup.now())}, status=status)


class PlanListView(FilteredListView):
    export_list = NUTRITION_PLANS
    template_name = "child_services/plan_list.html"


class DeliveryListView(FilteredListView):
    export_list = NUTRITION_DELIVERIES
    template_name = "child_services/delivery_list.html"

    def base_queryset(self):
        return super().base_queryset().select_related("plan__child__community", "plan__worker", "delivered_by")


class PlanCreateView(RoleRequiredMixin, ServiceFormMixin, FormView):
    form_class = PlanForm
    template_name = "child_services/plan_form.html"

    def allowed(self, user):
        return plans_nutrition(user)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def run_service(self, form):
        data = dict(form.cleaned_data)
        return services.plan_create(actor=self.request.user, child=data.pop("child"), worker=data.pop("worker"), **data)

    def success_url_for(self, plan):
        messages.success(self.request, "已建立营养包计划：每轮在发放日自动生成。")
        return reverse("children:plan_detail", args=[plan.pk])


class PlanDetailView(RegistryReaderMixin, DetailView):
    """A plan, its rounds, and (for the planners) its change form."""

    template_name = "child_services/plan_detail.html"
    context_object_name = "plan"

    def get_queryset(self):
        return NutritionPlan.objects.visible_to(self.request.user).select_related("child__community", "worker")

    def get_context_data(self, form=None, **kwargs):
        plan = self.object
        if form is None and plans_nutrition(self.request.user):
            form = PlanChangeForm(user=self.request.user, initial={
                "days": ",".join(str(d) for d in plan.days), "worker": plan.worker_id, "contents": plan.contents,
                "value": plan.value, "reason": plan.reason, "active": plan.active})
        return super().get_context_data(form=form, deliveries=plan.deliveries.select_related("delivered_by")[:48],
                                        **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = PlanChangeForm(request.POST, user=request.user)
        if not plans_nutrition(request.user):
            raise PermissionDenied("只有社区工作人员和街道管理员可以修改营养包计划。")
        if form.is_valid():
            try:
                services.plan_update(actor=request.user, plan=self.object, values=form.cleaned_data)
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                messages.success(request, "已保存营养包计划。")
                return redirect("children:plan_detail", pk=self.object.pk)
        return self.render_to_response(self.get_context_data(form=form))


class DeliveryView(RegistryReaderMixin, DetailView):
    """One round, on a phone at the door: who, what, and two buttons — 已送达 (who received it) or 未送达 (why).
    A refused form shows again with the error at its field."""

    template_name = "child_services/delivery.html"
    context_object_name = "delivery"

    def get_queryset(self):
        return NutritionDelivery.objects.visible_to(self.request.user).select_related(
            "plan__child__community", "plan__worker", "delivered_by")

    def get_context_data(self, **kwargs):
        kwargs.setdefault("confirm_form", ConfirmForm(prefix="confirm"))
        kwargs.setdefault("miss_form", MissForm(prefix="miss"))
        return super().get_context_data(can_record=delivers_nutrition(self.request.user), **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = delivery = self.get_object()
        missing = request.POST.get("action") == "miss"
        form = MissForm(request.POST, prefix="miss") if missing else ConfirmForm(request.POST, prefix="confirm")
        if not delivers_nutrition(request.user):
            raise PermissionDenied("您的角色不能登记营养包发放。")
        if form.is_valid():
            try:
                if missing:
                    services.delivery_miss(actor=request.user, delivery=delivery, reason=form.cleaned_data["reason"])
                else:
                    services.delivery_confirm(actor=request.user, delivery=delivery,
                                              delivered_at=form.cleaned_data["delivered_at"],
                                              received_by=form.cleaned_data["received_by"])
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                messages.success(request, "已登记未送达。" if missing else "已确认送达。")
                return redirect("children:delivery", pk=delivery.pk)
        return self.render_to_response(self.get_context_data(**{"miss_form" if missing else "confirm_form": form}))
