from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Prefetch, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, FormView, TemplateView

from jiedao.dates import EARLIEST_DAY, LATEST_DAY, parse_month
from jiedao.scope import (
    can_manage_places,
    can_record_visits,
    exports_volunteer_hours,
    is_team_leader,
    keeps_volunteers,
    reads_volunteers,
    takes_attendance,
    takes_orders,
)
from jiedao.views import FilteredListView, RoleRequiredMixin, ServiceFormMixin, add_service_errors
from residents.models import Resident

from . import national, selectors, services, workflow
from .choices import OrderState
from .exports import ACTIVITIES, PAIRINGS, SERVICE_ORDERS, TEAMS, VOLUNTEERS
from .forms import (
    ActivityForm,
    AdjustmentForm,
    AttendanceForm,
    MembershipForm,
    OrderForm,
    OrderStepForm,
    PairingEndForm,
    PairingForm,
    PairingVisitForm,
    RatingForm,
    ServiceKindForm,
    TeamForm,
    VolunteerForm,
)
from .models import Activity, Pairing, ServiceKind, ServiceOrder, Team, TeamMembership, Volunteer
from .querysets import led_team_ids


class ReaderMixin(RoleRequiredMixin):
    def allowed(self, user):
        return reads_volunteers(user)


class KeeperMixin(RoleRequiredMixin):
    def allowed(self, user):
        return keeps_volunteers(user)


class UserFormMixin:
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class VolunteerListView(FilteredListView):
    export_list = VOLUNTEERS
    template_name = "volunteers/volunteer_list.html"

    def base_queryset(self):
        return super().base_queryset().select_related("community")

    def summarize(self, queryset) -> dict:
        """Asked for a period (服务日期), the hours those listed served in it: the sheet's 当月服务时长."""
        period = self.filterset.served() if self.filterset.is_valid() else None
        if not period:
            return {}
        first, last = period
        entries = selectors.hours_between(first or EARLIEST_DAY, last or LATEST_DAY)
        total = entries.filter(volunteer__in=queryset.order_by().values("pk")).aggregate(t=Sum("hours"))["t"]
        return {"hours": selectors.hours_text(total)}


class VolunteerDetailView(ReaderMixin, DetailView):
    """A volunteer: full numbers for a keeper (logged), their teams with joined/left dates."""

    template_name = "volunteers/volunteer_detail.html"
    context_object_name = "volunteer"

    def get_queryset(self):
        return Volunteer.objects.visible_to(self.request.user).select_related("community", "resident")

    def get_context_data(self, **kwargs):
        full = keeps_volunteers(self.request.user)
        if full:
            services.volunteer_view_full(actor=self.request.user, volunteer=self.object)
        memberships = self.object.memberships.filter(team__in=Team.objects.visible_to(self.request.user)) \
            .select_related("team")
        return super().get_context_data(full=full, memberships=memberships, **kwargs)


class VolunteerCreateView(KeeperMixin, UserFormMixin, ServiceFormMixin, FormView):
    form_class = VolunteerForm
    template_name = "volunteers/volunteer_form.html"

    def run_service(self, form):
        return services.volunteer_create(actor=self.request.user, data=form.cleaned_data)

    def success_url_for(self, volunteer):
        return reverse("volunteers:volunteer_detail", args=[volunteer.pk])


class VolunteerUpdateView(VolunteerCreateView):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.allowed(request.user):  # the role first (403), then the scope
            self.volunteer = get_object_or_404(Volunteer.objects.visible_to(request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        services.volunteer_view_full(actor=request.user, volunteer=self.volunteer)  # the form shows the numbers
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.volunteer}

    def get_context_data(self, **kwargs):
        return super().get_context_data(volunteer=self.volunteer, **kwargs)

    def run_service(self, form):
        return services.volunteer_update(actor=self.request.user, volunteer=self.volunteer, data=form.cleaned_data)


class TeamListView(FilteredListView):
    export_list = TEAMS
    template_name = "volunteers/team_list.html"

    def base_queryset(self):
        return super().base_queryset().select_related("community", "leader").prefetch_related(
            Prefetch("memberships", queryset=TeamMembership.objects.current()))


class TeamDetailView(ReaderMixin, DetailView):
    """A team: its members, past ones too (joined/left), and for a keeper the forms to add or end one."""

    template_name = "volunteers/team_detail.html"
    context_object_name = "team"

    def get_queryset(self):
        return Team.objects.visible_to(self.request.user).select_related("community", "leader")

    def get_context_data(self, form=None, **kwargs):
        keeper = keeps_volunteers(self.request.user)
        return super().get_context_data(
            memberships=self.object.memberships.select_related("volunteer").order_by("left_on", "-joined_on"),
            keeper=keeper, form=form or (MembershipForm(user=self.request.user) if keeper else None), **kwargs)


class TeamCreateView(KeeperMixin, UserFormMixin, ServiceFormMixin, FormView):
    form_class = TeamForm
    template_name = "volunteers/team_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": getattr(self, "team", None)}

    def run_service(self, form):
        team = form.instance
        for field, value in form.cleaned_data.items():
            setattr(team, field, value)
        return services.team_save(actor=self.request.user, team=team)

    def success_url_for(self, team):
        return reverse("volunteers:team_detail", args=[team.pk])


class TeamUpdateView(TeamCreateView):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.allowed(request.user):  # the role first (403), then the scope
            self.team = get_object_or_404(Team.objects.visible_to(request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(team=self.team, **kwargs)


class TeamMembershipView(KeeperMixin, TeamDetailView):
    """POST: add a member (`action=join`) or end a membership (`action=leave`); refused, the team page with the
    form's errors (400)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = MembershipForm(request.POST, user=request.user)
        if form.is_valid():
            volunteer, on = form.cleaned_data["volunteer"], form.cleaned_data.get("on")
            try:
                if request.POST.get("action") == "leave":
                    membership = TeamMembership.objects.filter(team=self.object, volunteer=volunteer,
                                                               left_on__isnull=True).first()
                    if membership is None:
                        raise ValidationError({"volunteer": "该志愿者现不在队中。"})
                    services.membership_end(actor=request.user, membership=membership, left_on=on)
                    messages.success(request, f"{volunteer.name} 已退出本队（记录保留）。")
                else:
                    services.membership_add(actor=request.user, team=self.object, volunteer=volunteer, joined_on=on)
                    messages.success(request, f"{volunteer.name} 已加入本队。")
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                return redirect("volunteers:team_detail", pk=self.object.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)



# --- service orders ------------------------------------------------------------------------------------

class OrderListView(FilteredListView):
    export_list = SERVICE_ORDERS
    template_name = "volunteers/order_list.html"

    def summarize(self, queryset) -> dict:
        """The average rating of the orders listed that were rated (the sheet's 平均评分 opens the month's)."""
        found = queryset.order_by().aggregate(total=Sum("rating"), rated=Count("id", filter=Q(rating__isnull=False)))
        return {"rated": found["rated"], "rating": selectors.average_rating(found["total"], found["rated"])}


class OrderCreateView(RoleRequiredMixin, UserFormMixin, ServiceFormMixin, FormView):
    """Staff or a grid worker takes a resident's order (点单), from the resident's page."""

    form_class = OrderForm
    template_name = "volunteers/order_form.html"

    def allowed(self, user):
        return takes_orders(user)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.allowed(request.user):
            self.resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=kwargs["resident"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(resident=self.resident, **kwargs)

    def run_service(self, form):
        return services.order_create(actor=self.request.user, resident=self.resident, **form.cleaned_data)

    def success_url_for(self, order):
        return reverse("volunteers:order_detail", args=[order.pk])


def _moves(order, user) -> list[tuple[str, str]]:
    if is_team_leader(user) and order.team_id not in led_team_ids(user):
        return []
    return [(state, OrderState(state).label) for state in workflow.allowed_moves(order.state, user.role)]


class OrderDetailView(ReaderMixin, DetailView):
    """An order: its facts (a team leader: the resident and address only while it is with their team), the steps
    the user may take, and its history (a decline with its reason stays there)."""

    template_name = "volunteers/order_detail.html"
    context_object_name = "order"

    def get_queryset(self):
        return ServiceOrder.objects.visible_to(self.request.user).select_related("resident", "service", "team")

    def get_context_data(self, form=None, rating_url="", **kwargs):
        order, user = self.object, self.request.user
        moves = _moves(order, user)
        can_link = order.state == OrderState.DONE and user.role in workflow.FORWARD[OrderState.DONE][1]
        return super().get_context_data(
            moves=moves, waiting=workflow.waiting_for(order.state), shows_resident=not is_team_leader(user)
            or order.state in workflow.WITH_TEAM, form=form or OrderStepForm(user=user, order=order),
            history=order.transitions.select_related("by"), hours=order.hours.select_related("volunteer"),
            can_link=can_link, can_text=can_link and services.rating_text_possible(order),
            rating_url=rating_url, **kwargs)


class OrderStepView(OrderDetailView):
    """POST one step from the order's page; refused, the page again (400) with the reason at its field."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = order = self.get_object()
        form = OrderStepForm(request.POST, user=request.user, order=order)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.order_transition(
                    actor=request.user, order=order, to=data["to"], comment=data["comment"], team=data["team"],
                    deadline=data["deadline"], note=data["note"], hours=form.hours() or None, rating=data["rating"])
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                if data["to"] == OrderState.DONE:  # the resident's rating link went by text, or the slip is needed
                    texted = services.rating_text_to(order)
                    messages.success(request, f"已办理，评价短信已发送至 {texted}。" if texted else
                                     "已办理。" + services.NO_MOBILE_DONE)
                else:
                    messages.success(request, "已办理。")
                if request.POST.get("next") == "leader":  # from the team leader's phone page: back there
                    return redirect("volunteers:leader")
                return redirect("volunteers:order_detail", pk=order.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class RatingLinkView(OrderDetailView):
    """POST: a new single-use rating link, shown once on the order's page (for the slip), or (`send=text`, the
    button 发送评价短信) texted to the resident's mobile; with none, the page says so and offers the slip."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            if request.POST.get("send") == "text":
                shown = services.rating_link_send(actor=request.user, order=self.object)
                messages.success(request, f"评价短信已发送至 {shown}（14 天内有效，只能评价一次）。")
                return redirect("volunteers:order_detail", pk=self.object.pk)
            _, token = services.rating_link_issue(actor=request.user, order=self.object)
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
            return redirect("volunteers:order_detail", pk=self.object.pk)
        url = request.build_absolute_uri(reverse("volunteer_rate", args=[token]))
        return self.render_to_response(self.get_context_data(rating_url=url))


class LeaderView(RoleRequiredMixin, TemplateView):
    """The team leader's phone page: their teams' open orders (to accept, decline, record done), each with the
    resident and address it needs while it is the team's."""

    template_name = "volunteers/leader.html"

    def allowed(self, user):
        return is_team_leader(user)

    def get_context_data(self, **kwargs):
        user = self.request.user
        orders = list(ServiceOrder.objects.visible_to(user).filter(state__in=workflow.WITH_TEAM)
                      .select_related("resident", "service", "team").order_by("deadline", "id"))
        return super().get_context_data(
            teams=Team.objects.visible_to(user), rows=[(o, _moves(o, user), OrderStepForm(user=user, order=o))
                                                       for o in orders], **kwargs)


def rate(request, token):
    """The resident's one-question page, opened from their slip without signing in: once, within 14 days."""
    link = services.rating_link_find(token)
    if link is None:
        return render(request, "volunteers/rate.html", {"refused": "评价链接无效，请核对后重试。"}, status=404)
    refused = services.rating_link_refusal(link)
    form = RatingForm(request.POST or None)
    if not refused and request.method == "POST" and form.is_valid():
        try:
            services.order_rate_by_link(token=token, rating=form.cleaned_data["rating"],
                                        comment=form.cleaned_data["comment"])
        except ValidationError as e:
            refused = "；".join(e.messages)
        else:
            return render(request, "volunteers/rate.html", {"thanks": True, "order": link.order})
    return render(request, "volunteers/rate.html", {"form": form, "order": link.order, "refused": refused},
                  status=400 if request.method == "POST" else 200)


class ServiceKindsView(RoleRequiredMixin, FormView):
    """The admin's list of services residents may order; a new one is added here."""

    form_class = ServiceKindForm
    template_name = "volunteers/service_kinds.html"

    def allowed(self, user):
        return can_manage_places(user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(kinds=ServiceKind.objects.visible_to(self.request.user), **kwargs)

    def form_valid(self, form):
        try:
            services.service_kind_save(actor=self.request.user, kind=ServiceKind(**form.cleaned_data))
        except ValidationError as e:
            add_service_errors(form, e)
            return self.form_invalid(form)
        messages.success(self.request, "已添加服务项目。")
        return redirect("volunteers:service_kinds")


# --- activities and hours --------------------------------------------------------------------------------

class ActivityListView(FilteredListView):
    export_list = ACTIVITIES
    template_name = "volunteers/activity_list.html"

    def base_queryset(self):
        return (super().base_queryset().select_related("team").annotate(signed=Count("signups", distinct=True))
                .order_by("-starts_at", "-id"))


class ActivityCreateView(KeeperMixin, UserFormMixin, ServiceFormMixin, FormView):
    form_class = ActivityForm
    template_name = "volunteers/activity_form.html"

    def run_service(self, form):
        return services.activity_save(actor=self.request.user, activity=Activity(**form.cleaned_data))

    def success_url_for(self, activity):
        return reverse("volunteers:activity_detail", args=[activity.pk])


class ActivityDetailView(ReaderMixin, DetailView):
    """An activity, phone-first for its team's leader: who signed up, who came and for how long; sign-up and
    check-in/out for the leader or staff."""

    template_name = "volunteers/activity_detail.html"
    context_object_name = "activity"

    def get_queryset(self):
        return Activity.objects.visible_to(self.request.user).select_related("team")

    def get_context_data(self, form=None, **kwargs):
        user, activity = self.request.user, self.object
        can_take = takes_attendance(user) and (not is_team_leader(user) or activity.team_id in led_team_ids(user))
        came = {a.volunteer_id: a for a in activity.attendance.all()}
        hours = {h.volunteer_id: h.hours for h in activity.hours.filter(adjusts__isnull=True)}
        rows = [(s.volunteer, came.get(s.volunteer_id), hours.get(s.volunteer_id))
                for s in activity.signups.select_related("volunteer")]
        return super().get_context_data(rows=rows, can_take=can_take,
                                        form=form or (AttendanceForm(user=user) if can_take else None), **kwargs)


class ActivityAttendanceView(ActivityDetailView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = activity = self.get_object()
        form = AttendanceForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if request.POST.get("action") == "attend":
                    if not data.get("checked_in_at") or not data.get("checked_out_at"):
                        raise ValidationError({"checked_in_at": "请填写签到和签退时间。"})
                    services.attendance_record(actor=request.user, activity=activity, volunteer=data["volunteer"],
                                               checked_in_at=data["checked_in_at"],
                                               checked_out_at=data["checked_out_at"])
                    messages.success(request, f"{data['volunteer'].name} 已签到签退，时长已记入。")
                else:
                    services.signup_add(actor=request.user, activity=activity, volunteer=data["volunteer"])
                    messages.success(request, f"{data['volunteer'].name} 已报名。")
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                return redirect("volunteers:activity_detail", pk=activity.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class HoursView(ReaderMixin, DetailView):
    """A volunteer's hours ledger, every line with where it came from; an adjustment beside the line it corrects."""

    template_name = "volunteers/hours.html"
    context_object_name = "volunteer"

    def get_queryset(self):
        return Volunteer.objects.visible_to(self.request.user)

    def get_context_data(self, form=None, **kwargs):
        ledger = selectors.hours_ledger(self.object)
        rows = [(e, ledger.counted(e)) for e in ledger.entries]
        years = sorted({(e.adjusts.date if e.adjusts_id else e.date).year for e in ledger.entries}, reverse=True)
        return super().get_context_data(ledger=ledger, rows=rows, years=years, form=form, **kwargs)


class HoursAdjustView(HoursView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = volunteer = self.get_object()
        form = AdjustmentForm(request.POST)
        if form.is_valid():
            entry = volunteer.hours.filter(pk=form.cleaned_data["adjusts"]).first()
            try:
                if entry is None:
                    raise ValidationError({"hours": "该志愿者没有这条时长记录。"})
                services.hours_adjust(actor=request.user, entry=entry, hours=form.cleaned_data["hours"],
                                      reason=form.cleaned_data["reason"])
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                messages.success(request, "已调整（原记录保留）。")
                return redirect("volunteers:hours", pk=volunteer.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CertificateView(HoursView):
    """A printable certificate of a volunteer's hours in one year (志愿服务时长证明)."""

    template_name = "volunteers/certificate.html"

    def get_context_data(self, **kwargs):
        year = self.kwargs["year"]
        if not 2000 <= year <= timezone.localdate().year:
            raise Http404("没有该年度的证明。")
        ledger = selectors.hours_ledger(self.object, year=year)
        counted = [e for e in ledger.entries if ledger.counted(e)]
        return DetailView.get_context_data(self, ledger=ledger, entries=counted, year=year,
                                           issued=timezone.localdate(), **kwargs)


# --- pairings ---------------------------------------------------------------------------------------------

class PairingListView(FilteredListView):
    """Pairings with their next visit due (a team leader: their members', with the resident and address each
    needs while it lasts)."""

    export_list = PAIRINGS
    template_name = "volunteers/pairing_list.html"

    def allowed(self, user):
        return reads_volunteers(user)

    def base_queryset(self):
        return (super().base_queryset().select_related("resident", "volunteer", "worker")
                .annotate(last=Max("visits__visited_at")).order_by("-started_on", "-id"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context["rows"] = [(p, services.pairing_due(p, p.last)) for p in context["object_list"]]
        context["today"] = today
        context["records_visits"] = can_record_visits(self.request.user)
        context["keeper"] = keeps_volunteers(self.request.user)
        context["exports"] = PAIRINGS.readers(self.request.user)
        return context


class PairingCreateView(KeeperMixin, ServiceFormMixin, FormView):
    """Pair a resident with a volunteer or a grid worker, from the resident's page."""

    form_class = PairingForm
    template_name = "volunteers/pairing_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.allowed(request.user):  # the role first (403), then the scope
            self.resident = get_object_or_404(Resident.objects.visible_to(request.user).select_related("community"),
                                              pk=kwargs["resident"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "resident": self.resident}

    def get_context_data(self, **kwargs):
        return super().get_context_data(resident=self.resident, **kwargs)

    def run_service(self, form):
        return services.pairing_create(actor=self.request.user, resident=self.resident, **form.cleaned_data)

    def success_url_for(self, pairing):
        messages.success(self.request, f"已结对：{pairing.partner_name} 与 {self.resident.name}。")
        return f"{reverse('volunteers:pairing_list')}?resident={self.resident.pk}"


class PairingMixin(RoleRequiredMixin):
    """A pairing of the user's scope (else 404), for a step the role may take (else 403)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.allowed(request.user):
            self.pairing = get_object_or_404(
                Pairing.objects.visible_to(request.user).select_related("resident", "volunteer", "worker"),
                pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(pairing=self.pairing, **kwargs)

    def success_url_for(self, _):
        return f"{reverse('volunteers:pairing_list')}?resident={self.pairing.resident_id}"


class PairingVisitView(PairingMixin, ServiceFormMixin, FormView):
    """A pairing's visit, by staff or a grid worker: a home visit of the resident's plan."""

    form_class = PairingVisitForm
    template_name = "volunteers/pairing_visit.html"

    def allowed(self, user):
        return can_record_visits(user)

    def run_service(self, form):
        made = services.pairing_visit_record(actor=self.request.user, pairing=self.pairing, **form.cleaned_data)
        messages.success(self.request, f"已登记结对走访（{self.pairing.resident.name}），计入探访计划。")
        return made


class PairingEndView(PairingMixin, ServiceFormMixin, FormView):
    form_class = PairingEndForm
    template_name = "volunteers/pairing_end.html"

    def allowed(self, user):
        return keeps_volunteers(user)

    def run_service(self, form):
        ended = services.pairing_end(actor=self.request.user, pairing=self.pairing, **form.cleaned_data)
        messages.success(self.request, "结对已结束（走访记录保留）。")
        return ended


class NationalExportView(RoleRequiredMixin, TemplateView):
    """The sub-district admin's monthly upload for the national volunteer system (full ID numbers, audited)."""

    template_name = "volunteers/national.html"

    def allowed(self, user):
        return exports_volunteer_hours(user)

    def get_context_data(self, **kwargs):
        last = timezone.localdate().replace(day=1) - timedelta(days=1)
        return super().get_context_data(month=f"{last:%Y-%m}", **kwargs)

    def post(self, request, *args, **kwargs):
        month = parse_month(request.POST.get("month"))
        if month is None:
            context = self.get_context_data(error="请选择月份（如 2026-11）。")
            return self.render_to_response(context, status=400)
        job = national.national_export(actor=request.user, month=month)
        return redirect("export_job", pk=job.pk)
