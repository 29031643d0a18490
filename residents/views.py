import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import DetailView, FormView

from jiedao.params import positive_int
from jiedao.scope import can_write_registry, is_point_operator, reads_registry, reads_service_records, sees_full_numbers
from jiedao.views import (
    FilteredListView,
    PlaceManagerMixin,
    RegistryReaderMixin,
    RegistryWriterMixin,
    ServiceFormMixin,
)

from . import selectors, services
from .exports import RESIDENTS
from .filters import HouseholdFilterSet, ServicePointFilterSet
from .forms import ArchiveForm, HouseholdForm, ResidentForm, ServicePointForm
from .models import Household, Resident, ServicePoint

MAIN_FILTERS = {"search", "community", "grid"}


class ResidentListView(FilteredListView):
    export_list = RESIDENTS
    template_name = "residents/resident_list.html"

    def rows(self, queryset):
        return queryset.for_rows()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(can_write=can_write_registry(self.request.user), **kwargs)
        form = context["filter_form"]
        # The rarer filters fold away on a phone, open when one of them is in use.
        more = [form[name] for name in form.fields if name not in MAIN_FILTERS | {"household", "tags"}]
        folded = {f.name for f in more} | {"tags"}
        context.update(more_filters=more, more_filters_used=bool(folded & set(self.request.GET)))
        return context


class ResidentDetailView(RegistryReaderMixin, DetailView):
    template_name = "residents/resident_detail.html"
    context_object_name = "resident"

    def get_queryset(self):
        # The tags in the resident's own query (with_tag_codes), not a prefetch's second one.
        return Resident.objects.visible_to(self.request.user).with_tag_codes().select_related(
            "grid", "community", "household", "created_by", "updated_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        resident, user = self.object, self.request.user
        full = sees_full_numbers(user)
        if full:
            services.resident_view_full(actor=user, resident=resident)
        context.update(
            full_numbers=full,
            can_write=can_write_registry(user),
            members=selectors.household_members(resident.household, user) if resident.household_id else [],
            history=selectors.resident_history(resident),
        )
        return context


class ScopedWriteMixin(RegistryReaderMixin):
    """Find the object in the user's scope (404 outside it), then ask for write rights (403).

    Creating (no pk in the URL) only needs the rights.
    """

    def scoped_queryset(self):
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        self.target = None
        if request.user.is_authenticated:
            if not reads_registry(request.user):
                raise PermissionDenied("您的角色无权访问居民档案。")
            if "pk" in kwargs:
                self.target = get_object_or_404(self.scoped_queryset(), pk=kwargs["pk"])
            if not can_write_registry(request.user):
                raise PermissionDenied("您的角色不能修改居民信息。")
        return super().dispatch(request, *args, **kwargs)


class ScopedResidentMixin(ScopedWriteMixin):
    def scoped_queryset(self):
        return Resident.objects.visible_to(self.request.user).with_related()

    @property
    def resident(self):
        return self.target


class UserFormMixin:
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}


class ResidentCreateView(RegistryWriterMixin, UserFormMixin, ServiceFormMixin, FormView):
    form_class = ResidentForm
    template_name = "residents/resident_form.html"

    def get_initial(self):
        initial = super().get_initial()
        household = positive_int(self.request.GET.get("household"))
        if household:
            found = Household.objects.visible_to(self.request.user).filter(pk=household).first()
            if found:
                initial.update(household=found.pk, grid=found.grid_id, estate=found.estate,
                               building=found.building, unit=found.unit, room=found.room)
        return initial

    def run_service(self, form):
        return services.resident_create(actor=self.request.user, data=form.cleaned_data)

    def success_url_for(self, resident):
        return reverse("residents:resident_detail", args=[resident.pk])


class ResidentUpdateView(ScopedResidentMixin, UserFormMixin, ServiceFormMixin, FormView):
    form_class = ResidentForm
    template_name = "residents/resident_form.html"

    def get(self, request, *args, **kwargs):
        # The form shows the full ID number and phone to edit: that is a full view, and logged as one.
        services.resident_view_full(actor=request.user, resident=self.resident)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        # The form works on a copy, so the service still sees the stored values to diff against.
        return {**super().get_form_kwargs(), "instance": copy.copy(self.resident)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(resident=self.resident, **kwargs)

    def run_service(self, form):
        # Only what this user changed is written, and only over the version the form was opened with.
        changed = {name: form.cleaned_data[name] for name in form.changed_data if name != "version"}
        return services.resident_update(actor=self.request.user, resident=self.resident, data=changed,
                                        expected_version=form.cleaned_data.get("version") or self.resident.version)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except services.StaleEdit as stale:
            return self.form_invalid(_merged(form, stale.current))

    def success_url_for(self, resident):
        return reverse("residents:resident_detail", args=[resident.pk])


def _merged(form, current: Resident):
    """The form again after someone else saved the resident since it was opened: a field they changed and
    this user left as it was takes their value; a field both changed keeps this user's value, with theirs
    beside it; the version becomes the current one, so saving again is this user's informed decision."""
    entries = selectors.updates_since(current, form.cleaned_data.get("version") or 0)
    theirs: dict[str, list] = {}
    for entry in entries:
        for field, change in entry.changes.items():
            if isinstance(change, list) and len(change) == 2:
                theirs.setdefault(field, [change[0], change[1]])[1] = change[1]
    data = form.data.copy()
    now = model_to_dict(current, fields=[f for f in theirs if f in form.fields and f != "tags"])
    clashes = []
    for field, (before, after) in theirs.items():
        if field not in now:
            continue
        if str(data.get(field, "")) == str(before if before is not None else ""):
            data[field] = "" if now[field] is None else now[field]  # untouched here: take theirs
        else:
            clashes.append((field, after))
    data["version"] = current.version
    merged = type(form)(data, instance=form.instance, user=form.user)
    merged.is_valid()
    who = "、".join(sorted({e.actor_username for e in entries})) or "他人"
    merged.add_error(None, f"保存前，{who} 已修改了该居民信息；未冲突的修改已合并进下方表单。请核对后再次保存。")
    for field, after in clashes:
        shown = after if after not in (None, "") else "（空）"
        merged.add_error(field, f"{who} 已改为：{shown}；保存将以您的填写为准。")
    return merged


class ResidentArchiveView(ScopedResidentMixin, ServiceFormMixin, FormView):
    form_class = ArchiveForm
    template_name = "residents/resident_archive.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(resident=self.resident, **kwargs)

    def run_service(self, form):
        return services.resident_archive(actor=self.request.user, resident=self.resident, **form.cleaned_data)

    def success_url_for(self, resident):
        return reverse("residents:resident_detail", args=[resident.pk])


class HouseholdListView(RegistryReaderMixin, FilteredListView):
    model = Household
    filterset_class = HouseholdFilterSet
    template_name = "residents/household_list.html"

    def base_queryset(self):
        return super().base_queryset().select_related("grid__community", "head")


class HouseholdDetailView(RegistryReaderMixin, DetailView):
    template_name = "residents/household_detail.html"
    context_object_name = "household"

    def get_queryset(self):
        return Household.objects.visible_to(self.request.user).select_related("grid__community", "head")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            members=selectors.household_members(self.object, self.request.user),
            can_write=can_write_registry(self.request.user), **kwargs)


class HouseholdFormView(ScopedWriteMixin, UserFormMixin, ServiceFormMixin, FormView):
    form_class = HouseholdForm
    template_name = "residents/household_form.html"

    def scoped_queryset(self):
        return Household.objects.visible_to(self.request.user)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.target}

    def run_service(self, form):
        return services.household_save(actor=self.request.user, household=form.instance)

    def success_url_for(self, household):
        return reverse("residents:household_detail", args=[household.pk])


class ServicePointListView(FilteredListView):
    model = ServicePoint
    filterset_class = ServicePointFilterSet
    template_name = "residents/point_list.html"

    def allowed(self, user):
        return reads_service_records(user) and not is_point_operator(user)

    def base_queryset(self):
        return super().base_queryset().select_related("community")


class ServicePointFormView(PlaceManagerMixin, ServiceFormMixin, FormView):
    form_class = ServicePointForm
    template_name = "residents/point_form.html"

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "actor": self.request.user}
        if "pk" in self.kwargs:
            points = ServicePoint.objects.visible_to(self.request.user)  # the one scope rule
            kwargs["instance"] = get_object_or_404(points, pk=self.kwargs["pk"])
        return kwargs

    def run_service(self, form):
        return services.service_point_save(actor=self.request.user, point=form.instance)

    def success_url_for(self, point):
        messages.success(self.request, f"已保存服务点：{point.name}。")
        return reverse("residents:points")
