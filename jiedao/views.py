"""Shared page plumbing (the scoped list view, role checks) and the project's own pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, RequestDataTooBig, ValidationError
from django.core.paginator import Page
from django.db.models import Case, F, QuerySet, When
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from . import audit, notifications, uploads
from .export_jobs import EXPORT_FILTERS_WRONG, EXPORT_FORMAT, export_list_rows
from .filters import AuditEntryFilterSet
from .models import AuditEntry, ExportJob, Notification, NotificationKind
from .pagination import MAX_PAGE_NUMBER, MAX_PAGE_SIZE, Estimate, Keyset, ListPaginator, unfiltered
from .params import positive_int
from .scope import (
    can_manage_places,
    can_write_registry,
    is_auditor,
    keeps_accounts_only,
    manages_accounts,
    reads_registry,
)


class RoleRequiredMixin(LoginRequiredMixin):
    """A page for some roles only: others get 403 (after login).

    The security admin is refused every such page but the account pages (`for_account_keepers`), whatever
    `allowed` says: 三员 keeps it out of the business even where a page's own rule would let it see an
    empty list."""

    for_account_keepers = False

    def allowed(self, user) -> bool:
        return True

    def opens_for(self, user) -> bool:
        """The page's whole rule for a signed-in user (the menu asks it too)."""
        return self.allowed(user) and not (keeps_accounts_only(user) and not self.for_account_keepers)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.opens_for(request.user):
            raise PermissionDenied("您的角色无权访问此页面。")
        return super().dispatch(request, *args, **kwargs)


class RegistryReaderMixin(RoleRequiredMixin):
    def allowed(self, user):
        return reads_registry(user)


class RegistryWriterMixin(RoleRequiredMixin):
    def allowed(self, user):
        return can_write_registry(user)


class PlaceManagerMixin(RoleRequiredMixin):
    def allowed(self, user):
        return can_manage_places(user)


class AccountManagerMixin(RoleRequiredMixin):
    for_account_keepers = True

    def allowed(self, user):
        return manages_accounts(user)


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


class PageNumberMixin:
    """A list page's `?page=`: a whole number in ASCII digits, or `last`. A number past the end shows the
    last page and anything else the first: a page number is never a 404 (nor a 500).

    Deep pages cost what the first costs (issue 17): past MAX_PAGE_NUMBER the next page is found by
    `?cursor=` (the sort key of the last row shown, jiedao.pagination.Keyset), and the last page of a long
    list is read from the end. An unfiltered list's count may be an estimate (约 …), a filtered one's never.
    """

    def rows(self, queryset):
        """The list with what its rows show and the count needs not (names through a join, tags through a
        subquery): asked of the page's rows only, never of the count."""
        return queryset

    def paginate_queryset(self, queryset, page_size):
        cursor = self.request.GET.get("cursor")
        counted = queryset
        if isinstance(queryset, QuerySet):
            queryset = self.rows(queryset)
        keyset = None
        if isinstance(queryset, QuerySet):
            try:
                keyset = Keyset(queryset)
            except (TypeError, FieldDoesNotExist):
                keyset = None
        # The numbered pages are sorted as the cursor pages are (ending in the id): rows that tie on the
        # list's own sort keep one order, so none repeats or is skipped between pages or at the handover.
        paginator = ListPaginator(keyset.queryset if keyset and keyset.as_asked else queryset, page_size,
                                  orphans=self.get_paginate_orphans(),
                                  allow_empty_first_page=self.get_allow_empty(),
                                  estimate=unfiltered(self.request.GET), counted=counted)
        values = keyset.decode(cursor) if keyset and cursor else None
        if values is not None:
            page = CursorPage(*keyset.page(cursor, page_size), paginator=paginator)
            return paginator, page, page.object_list, True
        raw = self.request.GET.get(self.page_kwarg, "")
        number = paginator.num_pages if raw == "last" else min(positive_int(raw) or 1, paginator.num_pages)
        if keyset and number > MAX_PAGE_NUMBER and raw == "last":
            # Read from the end, as many rows as the last page holds: no OFFSET over the whole list.
            size = paginator.count - (paginator.num_pages - 1) * page_size if paginator.count else 0
            if isinstance(paginator.count, Estimate) or size <= 0:
                size = page_size
            rows = list(keyset.queryset.reverse()[:size])[::-1]
            page = Page(rows, number, paginator)
            page.deep = True
            return paginator, page, rows, page.has_other_pages()
        number = min(number, MAX_PAGE_NUMBER) if keyset else number
        page = paginator.page(number)
        if keyset and page.has_next() and page.next_page_number() > MAX_PAGE_NUMBER:
            # The page after the last numbered one goes on by cursor.
            page.next_cursor = keyset.encode(page.object_list[len(page.object_list) - 1])
        return paginator, page, page.object_list, page.has_other_pages()


class CursorPage(Page):
    """A page found by its cursor: no number (the rows before it are not counted), a cursor to the next."""

    def __init__(self, rows, next_cursor, *, paginator):
        super().__init__(rows, None, paginator)
        self.next_cursor = next_cursor
        self.deep = True

    def has_next(self):
        return self.next_cursor is not None

    def has_previous(self):
        return True  # the first page, at least

    def previous_page_number(self):
        return 1


class FilteredListView(RoleRequiredMixin, PageNumberMixin, ListView):
    """A list page: Model.objects.visible_to(user), narrowed by the same FilterSet as the API.

    An exportable list sets `export_list` (its jiedao.exports.ExportList, which names the model and the
    FilterSet); `?format=xlsx` then downloads every row, from a worker when there are many. Others set
    `model` and `filterset_class`. Subclasses may override `base_queryset()` to add select_related or
    prefetch for the columns they show.
    """

    export_list = None
    filterset_class = None
    paginate_by = 50

    def allowed(self, user) -> bool:
        # An exportable list says once who reads it (ExportList.readers): the page, its export, the API
        # and the worker all ask that.
        return self.export_list.readers(user) if self.export_list else True

    def get(self, request, *args, **kwargs):
        if self.export_list and request.GET.get("format") == EXPORT_FORMAT:
            queryset = self.get_queryset()
            if not self.filters_wrong():
                return self.export(request, queryset)
            # Not an empty workbook audited with filters that filtered nothing: the list, its errors shown.
            messages.error(request, EXPORT_FILTERS_WRONG)
            response = super().get(request, *args, **kwargs)
            response.status_code = 400
            return response
        return super().get(request, *args, **kwargs)

    def export(self, request, queryset):
        result = export_list_rows(user=request.user, export_list=self.export_list, queryset=queryset,
                                  params=request.GET)
        return redirect("export_job", pk=result.pk) if isinstance(result, ExportJob) else result

    def filters_wrong(self) -> bool:
        return self.filterset.is_bound and not self.filterset.is_valid()

    def base_queryset(self):
        if self.export_list:
            return self.export_list.queryset(self.request.user)
        return self.model.objects.visible_to(self.request.user)

    def get_queryset(self):
        if self.export_list:
            self.filterset = self.export_list.filtered(self.request.user, self.request.GET, self.base_queryset())
        else:
            self.filterset = self.filterset_class(self.request.GET or None, queryset=self.base_queryset(),
                                                  request=self.request)
        # A filter the user got wrong shows its error and no rows, as the API answers 400: never rows
        # that quietly ignore part of the query.
        if self.filters_wrong():
            return self.filterset.queryset.none()
        return self.filterset.qs

    def get_paginate_by(self, queryset):
        # A size the API would refuse (400) is the default here: the page still shows the list.
        return positive_int(self.request.GET.get("page_size"), maximum=MAX_PAGE_SIZE) or self.paginate_by

    def summarize(self, queryset) -> dict:
        """Figures of the whole filtered list beyond its count (sums, distinct people), shown above it:
        the dashboard's figures link here and must equal them."""
        return {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("cursor", None)
        paginator = context.get("paginator")
        summary = {"count": paginator.count if paginator else len(context["object_list"]),
                   **self.summarize(self.object_list)}
        context.update(filterset=self.filterset, filter_form=self.filterset.form, query=query.urlencode(),
                       summary=summary)
        return context


class AuditLogView(FilteredListView):
    model = AuditEntry
    filterset_class = AuditEntryFilterSet
    template_name = "audit/list.html"

    def allowed(self, user):
        return is_auditor(user)


LOCKED_MESSAGE = ("此账号在您所在的地址登录失败次数过多，已锁定：30 分钟内不能从该地址登录。"
                  "请稍后再试，或联系安全管理员解锁；账号本人在其他地址不受影响。")


def lockout_response(request, original_response=None, credentials=None):
    """django-axes calls this for a locked pair (account, address): JSON for API clients, a page for people."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": LOCKED_MESSAGE}, status=403)
    return render(request, "registration/locked_out.html", {"message": LOCKED_MESSAGE}, status=403)


class InboxView(LoginRequiredMixin, PageNumberMixin, ListView):
    """Unread before read, and among them the alarms (a closed curtain, an escalation) first."""

    template_name = "inbox.html"
    paginate_by = 50

    def get_queryset(self):
        urgency = Case(When(kind=NotificationKind.CURTAIN_MISSED, then=0),
                       When(kind=NotificationKind.ESCALATION, then=1),
                       When(kind=NotificationKind.OVERDUE, then=2), default=3)
        return (Notification.objects.visible_to(self.request.user)
                .order_by(F("read_at").asc(nulls_first=True), urgency, "-created_at", "-id"))


@login_required
@require_POST
def notification_read(request, pk):
    if pk == 0:  # "all read"
        notifications.notifications_read_all(actor=request.user)
    else:
        notification = get_object_or_404(Notification.objects.visible_to(request.user).unread(), pk=pk)
        notifications.notification_read(actor=request.user, notification=notification)
    return redirect("inbox")


def bad_request(request, exception=None):
    """The 400 answer (handler400) of a request Django could not read (a form post with a broken multipart
    body): in JSON under /api/, as every other refusal of the API."""
    if isinstance(exception, RequestDataTooBig):  # form fields past DATA_UPLOAD_MAX_MEMORY_SIZE
        return uploads.body_too_large(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "请求内容无法解析。"}, status=400, json_dumps_params={"ensure_ascii": False})
    return render(request, "400.html", status=400)


def page_not_found(request, exception=None):
    """The 404 answer (handler404). Under /api/ a path that names no endpoint (an id that is no number, a
    typo) answers as the API does, in JSON: a client reads the reason, the schema documents it."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "未找到，或不在您的管辖范围内。"}, status=404,
                            json_dumps_params={"ensure_ascii": False})
    return render(request, "404.html", status=404)


def permission_denied(request, exception=None):
    """The 403 page (handler403), after writing the refusal to the audit log."""
    audit.record_denial(request, exception or "")
    return render(request, "403.html", {"exception": exception}, status=403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form kept open past the session (or from an old tab) posts a stale token.
    Django's page would speak of Referer headers; this one says what happened and keeps what was typed
    in the browser's back history."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "页面已过期，请刷新后重新提交。"}, status=403,
                            json_dumps_params={"ensure_ascii": False})
    return render(request, "403_csrf.html", status=403)
