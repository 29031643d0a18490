from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView

from jiedao import audit
from jiedao.models import AuditAction
from jiedao.scope import can_open_cases, reads_registry
from jiedao.views import (
    FilteredListView,
    PlaceManagerMixin,
    RegistryReaderMixin,
    RoleRequiredMixin,
    ServiceFormMixin,
    add_service_errors,
)
from residents.models import Resident
from residents.selectors import household_members

from . import selectors, services, workflow
from .exports import CASES, DISBURSEMENTS
from .forms import CaseForm, DisbursementForm, ReliefSettingsForm
from .models import Case, CaseDocument, CaseState, DocumentType


class CaseListView(FilteredListView):
    export_list = CASES
    template_name = "assistance/case_list.html"


class DisbursementListView(FilteredListView):
    export_list = DISBURSEMENTS
    template_name = "assistance/disbursement_list.html"

    def summarize(self, queryset):
        return selectors.disbursement_totals(queryset)


class CaseDetailView(RegistryReaderMixin, DetailView):
    template_name = "assistance/case_detail.html"
    context_object_name = "case"

    def get_queryset(self):
        return Case.objects.visible_to(self.request.user).select_related("resident__community", "created_by")

    def get_context_data(self, **kwargs):
        case = self.object
        role = self.request.user.role
        moves = [(state, CaseState(state).label) for state in workflow.allowed_moves(case.state, role)]
        return super().get_context_data(
            moves=moves, history=case.transitions.select_related("by"),
            disbursements=case.disbursements.select_related("by"),
            can_pay=case.state in workflow.IN_AID
            and "disbursed" in workflow.allowed_moves(CaseState.APPROVED, self.request.user.role),
            pay_form=DisbursementForm(), publicity_ends=case.publicized_on and services.publicity_ends(case),
            documents=case.documents.all(), document_types=DocumentType.choices, means=services.means_test(case),
            members=household_members(case.resident.household, self.request.user) if case.resident.household_id else [],
            **kwargs)


class CaseCreateView(RoleRequiredMixin, ServiceFormMixin, FormView):
    form_class = CaseForm
    template_name = "assistance/case_form.html"

    def allowed(self, user):
        return can_open_cases(user)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.allowed(request.user):
            self.resident = get_object_or_404(Resident.objects.visible_to(request.user), pk=kwargs["resident"])
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "kinds": services.enabled_kinds(self.resident.community.subdistrict_id)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(resident=self.resident, **kwargs)

    def run_service(self, form):
        data = dict(form.cleaned_data)
        return services.case_open(actor=self.request.user, resident=self.resident, kind=data.pop("kind"), data=data)

    def success_url_for(self, case):
        messages.success(self.request, "已受理申请。")
        return reverse("assistance:case_detail", args=[case.pk])


@login_required
@require_POST
def case_transition(request, pk):
    case = get_object_or_404(Case.objects.visible_to(request.user), pk=pk)
    try:
        services.case_transition(actor=request.user, case=case, to=request.POST.get("to", ""),
                                 comment=request.POST.get("comment", "")[:500])
        messages.success(request, "案件已流转。")
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    except PermissionDenied as e:
        messages.error(request, str(e))
    return redirect("assistance:case_detail", pk=case.pk)


@login_required
@require_POST
def disbursement_add(request, pk):
    case = get_object_or_404(Case.objects.visible_to(request.user), pk=pk)
    form = DisbursementForm(request.POST)
    if form.is_valid():
        try:
            services.disbursement_add(actor=request.user, case=case, **form.cleaned_data)
            messages.success(request, "已登记发放。")
        except ValidationError as e:
            messages.error(request, "；".join(e.messages))
    else:
        messages.error(request, "；".join(f"{form.fields[f].label}：{e[0]}" for f, e in form.errors.items()))
    return redirect("assistance:case_detail", pk=case.pk)


class NoticeView(RegistryReaderMixin, DetailView):
    """The printable public notice (公示) of a case: name, masked ID number, kind, amount, period."""

    template_name = "assistance/notice.html"
    context_object_name = "case"

    def get_queryset(self):
        return Case.objects.visible_to(self.request.user).filter(publicized_on__isnull=False).select_related(
            "resident__community__subdistrict")

    def get_context_data(self, **kwargs):
        return super().get_context_data(ends=services.publicity_ends(self.object), **kwargs)


@login_required
@require_POST
def document_upload(request, pk):
    case = get_object_or_404(Case.objects.visible_to(request.user), pk=pk)
    doc_type = request.POST.get("doc_type", "")
    if doc_type not in DocumentType.values:
        messages.error(request, "请选择材料类型。")
        return redirect("assistance:case_detail", pk=case.pk)
    try:
        services.case_document_add(actor=request.user, case=case, upload=request.FILES.get("file"), doc_type=doc_type)
        messages.success(request, "已上传材料。")
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    except PermissionDenied as e:
        messages.error(request, str(e))
    return redirect("assistance:case_detail", pk=case.pk)


@login_required
def document(request, pk):
    """Hand out a scan to a user who may see its case (404 otherwise); every look is in the audit log."""
    if not reads_registry(request.user):
        raise PermissionDenied("您的角色无权查看申请材料。")
    doc = get_object_or_404(CaseDocument.objects.visible_to(request.user), pk=pk)
    audit.record(actor=request.user, action=AuditAction.VIEW_FULL, target=doc, changes={"case": doc.case_id})
    response = FileResponse(doc.file.open("rb"), content_type=doc.content_type)
    response["Content-Disposition"] = f'inline; filename="document-{doc.pk}{doc.file.name[-4:]}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


class SettingsView(PlaceManagerMixin, FormView):
    """The admin's local standards: the 低保 line, the publicity period, the review cycle."""

    template_name = "assistance/settings.html"
    form_class = ReliefSettingsForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": services.relief_settings(self.request.user.subdistrict_id)}

    def form_valid(self, form):
        try:
            services.relief_settings_save(actor=self.request.user, values=form.cleaned_data)
        except ValidationError as e:
            add_service_errors(form, e)
            return self.form_invalid(form)
        messages.success(self.request, "已保存救助标准。")
        return redirect("assistance:settings")
