from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.generic import FormView, TemplateView

from jiedao.dates import parse_day, parse_month
from jiedao.money import yuan
from jiedao.params import positive_int
from jiedao.scope import (
    checks_in_meals,
    enrols_care,
    is_point_operator,
    reads_registry,
    reads_service_records,
)
from jiedao.views import FilteredListView, PlaceManagerMixin, RoleRequiredMixin, ServiceFormMixin, add_service_errors
from residents.models import ServicePoint

from . import selectors, services
from .exports import MEALS
from .forms import CheckInForm, EnrolmentForm, MealPricesForm, PriceRuleForm
from .models import CareEnrolment, Meal, MealPrice, MealType, PriceRule, ServiceLog


def meal_point_for(request) -> ServicePoint:
    """The counter a page works at: the operator's own point; for staff and admins the one chosen
    (?point=) among the meal points of their scope, else the first."""
    if is_point_operator(request.user):
        if request.user.service_point is None:
            raise PermissionDenied("您的账号还没有分配服务点，请联系安全管理员。")
        return request.user.service_point
    points = meal_points_for(request.user)
    chosen = positive_int(request.GET.get("point") or request.POST.get("point"))
    if chosen:
        return get_object_or_404(points, pk=chosen)
    point = points.first()
    if point is None:
        raise PermissionDenied("您的范围内没有助餐服务点。")
    return point


def meal_points_for(user):
    if is_point_operator(user):
        return ServicePoint.objects.none()  # one point, no choice to offer
    return ServicePoint.objects.visible_to(user).serving_meals()


class CheckInView(RoleRequiredMixin, FormView):
    """The canteen counter: swipe or type an ID number (or search a name), see name, age and price,
    confirm. Below, today's meals at this point."""

    template_name = "elderly_care/checkin.html"
    form_class = CheckInForm

    def allowed(self, user):
        return checks_in_meals(user)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.allowed(request.user):
            self.point = meal_point_for(request)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        hour = timezone.localtime().hour
        return {"meal": MealType.BREAKFAST if hour < 10 else MealType.LUNCH if hour < 15 else MealType.DINNER}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.request.method == "GET" and ("id_number" in self.request.GET or "pick" in self.request.GET):
            kwargs["data"] = self.request.GET  # the preview step: the same form, not yet confirmed
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        if self.request.method == "GET" and form.is_bound and form.is_valid():
            try:
                context["preview"] = services.meal_preview(
                    operator=self.request.user, point=self.point, id_number=form.cleaned_data["id_number"],
                    resident=self._picked(form), meal=form.cleaned_data["meal"])
                context["meal_label"] = MealType(form.cleaned_data["meal"]).label
            except ValidationError as e:
                add_service_errors(form, e)
        query = self.request.GET.get("q", "").strip()[:20]
        if query:
            matches = services.eligible_search(self.point, query, user=self.request.user).select_related("community")
            context["matches"] = [(r, services.counter_pick(self.point, r)) for r in matches[:20]]
        today_meals = Meal.objects.visible_to(self.request.user).filter(point=self.point, date=timezone.localdate())
        context.update(point=self.point, query=query, points=meal_points_for(self.request.user),
                       today_meals=today_meals.order_by("-created_at")[:300], today_count=today_meals.count())
        return context


    def _picked(self, form):
        token = form.cleaned_data.get("pick")
        return services.picked_resident(self.point, token) if token else None

    def form_valid(self, form):
        try:
            meal = services.meal_check_in(operator=self.request.user, point=self.point, meal=form.cleaned_data["meal"],
                                          id_number=form.cleaned_data["id_number"], resident=self._picked(form))
        except ValidationError as e:
            add_service_errors(form, e)
            return self.form_invalid(form)
        messages.success(self.request, f"{meal.name or '来宾'} {meal.get_meal_display()} 已登记："
                                       f"个人支付 {yuan(meal.price)} 元（{meal.rule}），补贴 {yuan(meal.subsidy)} 元。")
        return redirect(f"{reverse('care:checkin')}?point={self.point.pk}")


class MealListView(FilteredListView):
    """Meals served, filtered like /api/v1/meals/, with the figures the dashboard links here for."""

    export_list = MEALS
    template_name = "elderly_care/meal_list.html"

    def summarize(self, queryset):
        return selectors.meal_totals(queryset)


class PricingView(PlaceManagerMixin, ServiceFormMixin, FormView):
    """The admin's meal prices and discount rules."""

    form_class = PriceRuleForm
    template_name = "elderly_care/pricing.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if "pk" in self.kwargs:
            rules = PriceRule.objects.visible_to(self.request.user)
            kwargs["instance"] = get_object_or_404(rules, pk=self.kwargs["pk"])
        return kwargs

    def get_context_data(self, **kwargs):
        user = self.request.user
        prices = {p.meal: p.full_price for p in MealPrice.objects.visible_to(user)}
        meals = [(label, prices[meal]) for meal, label in MealType.choices if meal in prices]
        # What each rule's diner pays per meal, by the counter's own rounding.
        rules = [(rule, [(label, services.share_of(full, rule.pays_percent)) for label, full in meals])
                 for rule in PriceRule.objects.visible_to(user)]
        return super().get_context_data(prices_form=kwargs.pop("prices_form", None) or MealPricesForm(initial=prices),
                                        meals=meals, rules=rules, editing="pk" in self.kwargs, **kwargs)

    def post(self, request, *args, **kwargs):
        if "prices" not in request.POST:
            return super().post(request, *args, **kwargs)
        form = MealPricesForm(request.POST)
        if form.is_valid():
            try:
                services.meal_prices_save(actor=request.user, prices=form.cleaned_data)
                messages.success(request, "已保存标准价。")
                return redirect("care:pricing")
            except ValidationError as e:
                add_service_errors(form, e)
        # Two forms, two posts: only the one posted is checked; the rule form below stays as it was.
        unbound = {k: v for k, v in self.get_form_kwargs().items() if k not in ("data", "files")}
        return self.render_to_response(self.get_context_data(prices_form=form, form=self.form_class(**unbound)))

    def run_service(self, form):
        return services.price_rule_save(actor=self.request.user, rule=form.instance)

    def success_url_for(self, rule):
        messages.success(self.request, f"已保存：{rule}。")
        return reverse("care:pricing")


class StatsView(RoleRequiredMixin, TemplateView):
    template_name = "elderly_care/stats.html"

    def allowed(self, user):
        return reads_service_records(user)

    def get_context_data(self, **kwargs):
        chosen = parse_month(self.request.GET.get("month")) or timezone.localdate().replace(day=1)
        return super().get_context_data(stats=selectors.meal_stats(self.request.user, chosen), **kwargs)


class DeliveryView(RoleRequiredMixin, TemplateView):
    """The day's delivery round of a point: who gets a meal brought, and whether it arrived."""

    template_name = "elderly_care/deliveries.html"

    def allowed(self, user):
        return checks_in_meals(user)

    def get_context_data(self, **kwargs):
        user, point, day = self.request.user, meal_point_for(self.request), _day(self.request.GET.get("date"))
        return super().get_context_data(point=point, day=day, rows=services.delivery_list(point, day, user),
                                        points=meal_points_for(user), **kwargs)

    def post(self, request, *args, **kwargs):
        enrolment = get_object_or_404(CareEnrolment.objects.select_related("point", "resident"),
                                      pk=positive_int(request.POST.get("enrolment")) or 0,
                                      point__in=ServicePoint.objects.visible_to(request.user))
        day = _day(request.POST.get("date"))
        try:
            services.delivery_record(actor=request.user, enrolment=enrolment, day=day,
                                     status=request.POST.get("status", ""), reason=request.POST.get("reason", ""))
            messages.success(request, f"已记录 {enrolment.resident.name} 的送餐。")
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
        return redirect(f"{reverse('care:deliveries')}?point={enrolment.point_id}&date={day:%Y-%m-%d}")


def _day(raw):
    return parse_day(raw) or timezone.localdate()


class EnrolmentListView(RoleRequiredMixin, TemplateView):
    template_name = "elderly_care/enrolments.html"

    def allowed(self, user):
        return reads_registry(user)

    def get_context_data(self, **kwargs):
        enrolments = (CareEnrolment.objects.visible_to(self.request.user).select_related("resident", "point")
                      .order_by("kind", "-since")[:500])
        return super().get_context_data(enrolments=enrolments,
                                        candidates=selectors.delivery_candidates(self.request.user), **kwargs)


class EnrolmentFormView(RoleRequiredMixin, ServiceFormMixin, FormView):
    form_class = EnrolmentForm
    template_name = "elderly_care/enrolment_form.html"

    def allowed(self, user):
        return enrols_care(user)

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "actor": self.request.user}
        if "pk" in self.kwargs:
            kwargs["instance"] = get_object_or_404(
                CareEnrolment.objects.visible_to(self.request.user), pk=self.kwargs["pk"])
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The enrolment the form found in the user's scope (404 else), never the raw id of the path: an id
        # too large for the database overflowed SQLite's integer in the logs' query.
        enrolment = context["form"].instance
        context["logs"] = ServiceLog.objects.visible_to(self.request.user).filter(
            enrolment=enrolment).select_related("by") if enrolment.pk else []
        return context

    def get_initial(self):
        kind, resident = self.request.GET.get("kind"), positive_int(self.request.GET.get("resident"))
        return {"kind": kind, "resident": resident,
                "since": timezone.localdate()}

    def run_service(self, form):
        return services.enrolment_save(actor=self.request.user, enrolment=form.instance)

    def success_url_for(self, enrolment):
        messages.success(self.request, f"已保存：{enrolment}。")
        return reverse("care:enrolments")


@login_required
@require_POST
def service_log_add(request, pk):
    """A line in an enrolment's service log (a home-care bed visit, a day at the centre)."""
    enrolment = get_object_or_404(CareEnrolment.objects.visible_to(request.user), pk=pk)
    try:
        services.service_log_add(actor=request.user, enrolment=enrolment, notes=request.POST.get("notes", "")[:300])
        messages.success(request, "已添加服务记录。")
    except ValidationError:
        messages.error(request, "请填写服务内容。")
    return redirect("care:enrolment_update", pk=enrolment.pk)
