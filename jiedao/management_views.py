"""The sub-district admin's pages for accounts, and the base views the place pages (residents) share."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST
from django.views.generic import FormView, ListView

from . import services
from .forms import UserForm
from .models import User
from .scope import ADMIN_KEEPS_OUT, admin_may_change, can_manage_places
from .selectors import locked_usernames
from .views import PageNumberMixin, PlaceManagerMixin, ServiceFormMixin


class ManagedListView(PlaceManagerMixin, PageNumberMixin, ListView):
    paginate_by = 100
    template_name = "manage/list.html"
    kind: str = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(kind=self.kind, **kwargs)


class UserListView(ManagedListView):
    kind = "users"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["locked"] = locked_usernames(u.username for u in context["object_list"])
        context["editable"] = {u.pk for u in context["object_list"] if admin_may_change(u)}
        return context

    def get_queryset(self):
        return User.objects.filter(subdistrict_id=self.request.user.subdistrict_id, is_superuser=False
                                   ).prefetch_related("communities", "grids__community")


class ManagedFormView(PlaceManagerMixin, ServiceFormMixin, FormView):
    """Edit one object of the admin's own sub-district (404 for another's), through its service."""

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
            kwargs["instance"] = get_object_or_404(self.scoped(), pk=self.kwargs["pk"])
        return kwargs

    def success_url_for(self, obj):
        return reverse(f"manage:{self.kind}")

    def get_context_data(self, **kwargs):
        return super().get_context_data(kind=self.kind, editing="pk" in self.kwargs, **kwargs)


class UserFormView(ManagedFormView):
    form_class = UserForm
    model = User
    kind = "users"
    subdistrict_path = "subdistrict_id"

    def scoped(self):
        # Auditors' and system operators' accounts are not the admin's to change (三权分立).
        return super().scoped().filter(is_superuser=False).exclude(role__in=ADMIN_KEEPS_OUT)

    def run_service(self, form):
        data = form.cleaned_data
        return services.user_save(actor=self.request.user, user=form.save(commit=False),
                                  communities=list(data["communities"]), grids=list(data["grids"]),
                                  password=data["password"] or None)


@login_required
@require_POST
def user_unlock(request, pk):
    if not can_manage_places(request.user):
        raise PermissionDenied("只有街道管理员可以解锁账号。")
    user = get_object_or_404(User, pk=pk, subdistrict_id=request.user.subdistrict_id, is_superuser=False)
    services.user_unlock(actor=request.user, user=user)
    messages.success(request, f"已解锁账号 {user.username}。")
    return redirect("manage:users")


urlpatterns = [
    path("users/", UserListView.as_view(), name="users"),
    path("users/new/", UserFormView.as_view(), name="user_create"),
    path("users/<int:pk>/", UserFormView.as_view(), name="user_update"),
    path("users/<int:pk>/unlock/", user_unlock, name="user_unlock"),
]
