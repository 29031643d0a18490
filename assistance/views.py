from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, ListView

from jiedao import audit
from jiedao.models import AuditAction
from jiedao.scope import can_collect_wishes, can_open_cases, reads_registry
from jiedao.views import (
    FilteredListView,
    PageNumberMixin,
    PlaceManagerMixin,
    RegistryReaderMixin,
    RoleRequiredMixin,
    ServiceFormMixin,
    add_service_errors,
)
from residents.models import Resident
from residents.selectors import household_members

from . import selectors, services, workflow
from .api import PUBLIC_PAGE_SIZE, PublicListThrottle
from .exports import CASES, DISBURSEMENTS, WISHES
from .forms import (
    ApprovalForm,
    CaseForm,
    CorrectionForm,
    DisbursementForm,
    ReliefSettingsForm,
    VoidForm,
    WishForm,
    WishStepForm,
)
from .models import Case, CaseDocument, CaseState, Disbursement, DocumentType, Wish, WishState


class CaseListView(FilteredListView):
    export_list = CASES
    template_name = "assistance/case_list.html"


class DisbursementListView(FilteredListView):
    export_list = DISBURSEMENTS
    template_name = "assistance/disbursement_list.html"

    def summarize(self, queryset):
        return selectors.disbursement_totals(queryset)


class CaseDetailView(RegistryReaderMixin, DetailView):
    """A case: its facts, the steps the user may take (the approval with its amount), documents, history,
    and its payments with their live total; who pays also records, voids and corrects them here."""

    template_name = "assistance/case_detail.html"
    context_object_name = "case"

    def get_queryset(self):
        return Case.objects.visible_to(self.request.user).select_related("resident__community", "created_by")

    def get_context_data(self, *, pay_form=None, row_form=None, **kwargs):
        """`pay_form` / `row_form` ((payment id, form)): a form sent back with its errors, shown again."""
        case = self.object
        role = self.request.user.role
        moves = [(state, CaseState(state).label) for state in workflow.allowed_moves(case.state, role)]
        payments = list(case.disbursements.select_related("by", "voided_by"))
        paid = selectors.disbursement_totals(case.disbursements.all())
        can_pay = case.state in workflow.IN_AID and workflow.records_payments(self.request.user)
        rows = []
        for payment in payments:
            void_form = fix_form = None
            if can_pay and not payment.voided:
                void_form = VoidForm(prefix=f"void{payment.pk}")
                fix_form = CorrectionForm(prefix=f"fix{payment.pk}", initial={
                    "amount": payment.amount, "paid_on": payment.paid_on, "method": payment.method,
                    "period_from": payment.period_from, "period_to": payment.period_to})
                if row_form and row_form[0] == payment.pk:
                    if isinstance(row_form[1], VoidForm):
                        void_form = row_form[1]
                    else:
                        fix_form = row_form[1]
            rows.append((payment, void_form, fix_form))
        return super().get_context_data(
            moves=moves, waiting=workflow.waiting_for(case.state),
            ended=case.state not in workflow.FORWARD, approving=CaseState.APPROVED in dict(moves),
            history=case.transitions.select_related("by"),
            payments=rows, paid=paid, can_pay=can_pay,
            # A one-off case with its live payment is corrected, not paid again (a refused form still shows).
            can_add=can_pay and (case.ongoing or not paid["live"] or pay_form is not None),
            pay_form=pay_form or DisbursementForm(),
            publicity_ends=case.publicized_on and services.publicity_ends(case),
            documents=case.documents.all(), document_types=DocumentType.choices, means=services.means_test(case),
            members=household_members(case.resident.household, self.request.user) if case.resident.household_id else [],
            **kwargs)


class PaymentFormView(CaseDetailView):
    """A payment form posted from the case page: done, back to the page with a message; refused, the page
    again (400) with the form as typed and each error at its field."""

    http_method_names = ["post"]

    def refused(self, **forms):
        return self.render_to_response(self.get_context_data(**forms), status=400)


class DisbursementAddView(PaymentFormView):
    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = DisbursementForm(request.POST)
        if form.is_valid():
            try:
                services.disbursement_add(actor=request.user, case=self.object, **form.cleaned_data)
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                messages.success(request, "已登记发放。")
                return redirect("assistance:case_detail", pk=self.object.pk)
        return self.refused(pay_form=form)


class DisbursementChangeView(PaymentFormView):
    """Void (作废) or correct (更正) one payment, found in the user's scope (404 outside it)."""

    form_class = VoidForm
    prefix = "void"
    done = "已作废该笔发放。"

    def change(self, payment, data):
        return services.disbursement_void(actor=self.request.user, payment=payment, reason=data["reason"])

    def post(self, request, *args, **kwargs):
        payment = get_object_or_404(Disbursement.objects.visible_to(request.user), pk=kwargs["pk"])
        self.object = self.get_queryset().get(pk=payment.case_id)
        services.payer_only(request.user)  # 403 for a role that does not pay
        form = self.form_class(request.POST, prefix=f"{self.prefix}{payment.pk}")
        if form.is_valid():
            try:
                self.change(payment, form.cleaned_data)
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                messages.success(request, self.done)
                return redirect("assistance:case_detail", pk=self.object.pk)
        return self.refused(row_form=(payment.pk, form))


class DisbursementCorrectView(DisbursementChangeView):
    form_class = CorrectionForm
    prefix = "fix"
    done = "已更正：原记录作废，并登记了正确的一笔。"

    def change(self, payment, data):
        data = dict(data)
        return services.disbursement_correct(actor=self.request.user, payment=payment, reason=data.pop("reason"),
                                             **data)


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
    to = request.POST.get("to", "")
    try:
        amount = None
        if to == CaseState.APPROVED:  # the approve button carries the amount (blank: the requested one)
            form = ApprovalForm(request.POST)
            if not form.is_valid():
                raise ValidationError(f"批准金额：{form.errors['approved_amount'][0]}")
            amount = form.cleaned_data["approved_amount"]
        services.case_transition(actor=request.user, case=case, to=to, comment=request.POST.get("comment", "")[:500],
                                 approved_amount=amount)
        messages.success(request, "案件已流转。")
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    except PermissionDenied as e:
        messages.error(request, str(e))
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
    audit.record(actor=request.user, action=AuditAction.VIEW_FULL, target=doc, changes={"case": audit.ref(doc.case)})
    # An attachment of the type it was stored as, never rendered in the portal's origin (nosniff and
    # no-store come with every answer: SECURE_CONTENT_TYPE_NOSNIFF, jiedao.security.NoStoreMiddleware).
    return FileResponse(doc.file.open("rb"), content_type=doc.content_type, as_attachment=True,
                        filename=f"document-{doc.pk}{doc.file.name[-4:]}")


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


# --- 微心愿 -------------------------------------------------------------------------------------------

class WishListView(FilteredListView):
    export_list = WISHES
    template_name = "assistance/wish_list.html"

    def base_queryset(self):
        return super().base_queryset().select_related("resident__community")


class WishDetailView(RegistryReaderMixin, DetailView):
    """A wish with the person (staff only, in their scope), whose move it is, the buttons of the moves the
    user may make (a claim asks for the donor, a fulfilment for the date and a note or photo), its history."""

    template_name = "assistance/wish_detail.html"
    context_object_name = "wish"

    def get_queryset(self):
        return Wish.objects.visible_to(self.request.user).select_related("resident__community", "created_by")

    def get_context_data(self, **kwargs):
        wish = self.object
        moves = workflow.WISH_PATH.allowed_moves(wish.state, self.request.user.role)
        return super().get_context_data(
            moves=[(state, WishState(state).label) for state in moves],
            waiting=workflow.WISH_PATH.waiting_for(wish.state),
            ended=wish.state not in workflow.WISH_FORWARD, claiming=WishState.CLAIMED in moves,
            fulfilling=WishState.FULFILLED in moves, history=wish.transitions.select_related("by"),
            public_text=services.wish_public_text(age=wish.resident.age, gender=wish.resident.gender, wish=wish.wish,
                                                  value=wish.value), **kwargs)


class WishCreateView(CaseCreateView):
    """征集: a wish collected for a resident of the user's scope."""

    form_class = WishForm
    template_name = "assistance/wish_form.html"

    def allowed(self, user):
        return can_collect_wishes(user)

    def get_form_kwargs(self):
        return FormView.get_form_kwargs(self)

    def run_service(self, form):
        return services.wish_collect(actor=self.request.user, resident=self.resident, data=form.cleaned_data)

    def success_url_for(self, wish):
        messages.success(self.request, "已征集心愿，待社区审核。")
        return reverse("assistance:wish_detail", args=[wish.pk])


@login_required
@require_POST
def wish_transition(request, pk):
    wish = get_object_or_404(Wish.objects.visible_to(request.user), pk=pk)
    form = WishStepForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError("；".join(f"{form.fields[f].label}：{e[0]}" if f in form.fields else e[0]
                                           for f, e in form.errors.items()))
        data = form.cleaned_data
        services.wish_transition(actor=request.user, wish=wish, to=request.POST.get("to", "")[:30],
                                 comment=data["comment"], donor=data["donor"], donor_contact=data["donor_contact"],
                                 fulfilled_on=data["fulfilled_on"], note=data["note"], photo=data["photo"])
        messages.success(request, "微心愿已流转。")
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    except PermissionDenied as e:
        messages.error(request, str(e))
    return redirect("assistance:wish_detail", pk=wish.pk)


@login_required
def wish_photo(request, pk):
    """The fulfilment's photo, to a user who may see the wish (404 otherwise); every look is logged."""
    if not reads_registry(request.user):
        raise PermissionDenied("您的角色无权查看照片。")
    wish = get_object_or_404(Wish.objects.visible_to(request.user).exclude(photo=""), pk=pk)
    audit.record(actor=request.user, action=AuditAction.VIEW_FULL, target=wish, changes={"photo": True})
    content_type = {"png": "image/png", "jpg": "image/jpeg", "pdf": "application/pdf"}.get(wish.photo.name[-3:],
                                                                                         "application/octet-stream")
    return FileResponse(wish.photo.open("rb"), content_type=content_type, as_attachment=True,
                        filename=f"wish-{wish.pk}{wish.photo.name[-4:]}")


class PublicWishListView(PageNumberMixin, ListView):
    """The published wishes as donors read them, without signing in: one line each (no name, ID number,
    address, school), 20 a page, at most 30 pages a minute from one address (as /api/v1/wishes/public/)."""

    template_name = "assistance/wish_public.html"
    paginate_by = PUBLIC_PAGE_SIZE

    def get(self, request, *args, **kwargs):
        throttle = PublicListThrottle()
        if not throttle.allow_request(request, self):
            wait = int(throttle.wait() or 60)
            response = render(request, "assistance/wish_public.html", {"throttled": wait}, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return Wish.objects.published().select_related("resident").order_by("-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["wishes"] = [(w.pk, services.wish_public_text(age=w.resident.age, gender=w.resident.gender,
                                                              wish=w.wish, value=w.value))
                             for w in context["object_list"]]
        return context
