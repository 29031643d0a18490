"""The security admin's pages for accounts (三员: jiedao.scope), and the base views the place pages (residents,
the sub-district admin's) share."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.views.generic import FormView, ListView

from . import otp, services
from .forms import UserForm
from .models import User
from .params import positive_int
from .scope import accounts_filter, manages_accounts, may_change_account
from .selectors import locked_usernames
from .views import AccountManagerMixin, PageNumberMixin, PlaceManagerMixin, ServiceFormMixin


class ManagedListView(PlaceManagerMixin, PageNumberMixin, ListView):
    """A list of the sub-district admin's places; the account list asks its own role (AccountManagerMixin)."""

    paginate_by = 100
    template_name = "manage/list.html"
    kind: str = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(kind=self.kind, **kwargs)


class UserListView(AccountManagerMixin, ManagedListView):
    kind = "users"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["locked"] = locked_usernames(u.username for u in context["object_list"])
        context["editable"] = {u.pk for u in context["object_list"] if may_change_account(self.request.user, u)}
        context["manages_accounts"] = manages_accounts(self.request.user)
        return context

    def get_queryset(self):
        return (User.objects.filter(accounts_filter(self.request.user))
                .select_related("subdistrict").prefetch_related("communities", "grids__community"))


class ManagedFormView(PlaceManagerMixin, ServiceFormMixin, FormView):
    """Edit one object in the actor's purview (404 for any other), through its service."""

    template_name = "manage/form.html"
    model = None
    kind = ""
    takes_actor = True

    def scoped(self):
        return self.model.objects.filter(**{self.subdistrict_path: self.request.user.subdistrict_id})

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.takes_actor:
            kwargs["actor"] = self.request.user
        if "pk" in self.kwargs:
            kwargs["instance"] = self.get_instance()
        return kwargs

    def get_instance(self):
        return get_object_or_404(self.scoped(), pk=self.kwargs["pk"])

    def success_url_for(self, obj):
        return reverse(f"manage:{self.kind}")

    def get_context_data(self, **kwargs):
        return super().get_context_data(kind=self.kind, editing="pk" in self.kwargs, **kwargs)


class UserFormView(AccountManagerMixin, ManagedFormView):
    form_class = UserForm
    model = User
    kind = "users"

    def scoped(self):
        return User.objects.filter(accounts_filter(self.request.user))

    def get_instance(self):
        account = super().get_instance()
        if not may_change_account(self.request.user, account):
            # Seen but not theirs (their own, a peer security admin's): 403, as every refused write.
            raise PermissionDenied(services.NOT_YOURS)
        return account

    def run_service(self, form):
        data = form.cleaned_data
        return services.user_save(actor=self.request.user, user=form.save(commit=False),
                                  communities=list(data.get("communities", [])), grids=list(data.get("grids", [])),
                                  password=data["password"] or None)


@login_required
@require_POST
def user_unlock(request, pk):
    if not manages_accounts(request.user):
        raise PermissionDenied("只有安全管理员可以解锁账号。")
    user = get_object_or_404(User.objects.filter(accounts_filter(request.user)), pk=pk)
    services.user_unlock(actor=request.user, user=user)
    messages.success(request, f"已解锁账号 {user.username}。")
    return redirect("manage:users")


def managed_account(request, pk) -> User:
    """An account the security admin sees (jiedao.scope.accounts_filter, as the account pages and the API), else
    404: a sub-district's, its own accounts; the district's, the district officers and the security admins."""
    if not manages_accounts(request.user):
        raise PermissionDenied("只有安全管理员可以管理双因素和令牌。")
    return get_object_or_404(User.objects.filter(accounts_filter(request.user)), pk=pk)


@login_required
def user_security(request, pk):
    """One account's second factor and API tokens: reset the device, end a token or all of them."""
    user = managed_account(request, pk)
    if request.method == "POST":
        if "reset_device" in request.POST:
            services.device_reset(actor=request.user, user=user)
            messages.success(request, f"已重置 {user.username} 的身份验证器：下次登录时需重新扫码绑定。")
        else:
            token = None
            if request.POST.get("token"):
                token = get_object_or_404(user.api_tokens, pk=positive_int(request.POST["token"]) or 0)
            revoked = services.user_tokens_revoke(actor=request.user, user=user, token=token)
            messages.success(request, f"已吊销 {user.username} 的 {revoked} 个令牌。")
        return redirect("manage:user_security", pk=user.pk)
    return render(request, "manage/security.html", {
        "kind": "users", "account": user, "device": otp.totp_device(user),
        "tokens": user.api_tokens.filter(expires_at__gt=timezone.now()),
        "own": user.pk == request.user.pk})


urlpatterns = [
    path("users/", UserListView.as_view(), name="users"),
    path("users/new/", UserFormView.as_view(), name="user_create"),
    path("users/<int:pk>/", UserFormView.as_view(), name="user_update"),
    path("users/<int:pk>/unlock/", user_unlock, name="user_unlock"),
    path("users/<int:pk>/security/", user_security, name="user_security"),
]
