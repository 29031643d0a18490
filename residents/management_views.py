"""The sub-district admin's pages for communities and grids (under /manage/, beside the accounts)."""

from django.db.models import Count
from django.urls import path

from jiedao.management_views import ManagedFormView, ManagedListView

from . import services
from .forms import CommunityForm, GridForm
from .models import Community, Grid


class CommunityListView(ManagedListView):
    kind = "communities"

    def get_queryset(self):
        return Community.objects.visible_to(self.request.user).annotate(grid_count=Count("grids")).order_by("name")


class GridListView(ManagedListView):
    kind = "grids"

    def get_queryset(self):
        return Grid.objects.visible_to(self.request.user).select_related("community").prefetch_related("workers")


class CommunityFormView(ManagedFormView):
    form_class = CommunityForm
    model = Community
    kind = "communities"
    subdistrict_path = "subdistrict_id"
    takes_actor = False

    def run_service(self, form):
        return services.community_save(actor=self.request.user, community=form.save(commit=False))


class GridFormView(ManagedFormView):
    form_class = GridForm
    model = Grid
    kind = "grids"
    subdistrict_path = "community__subdistrict_id"

    def run_service(self, form):
        return services.grid_save(actor=self.request.user, grid=form.save(commit=False))


urlpatterns = [
    path("communities/", CommunityListView.as_view(), name="communities"),
    path("communities/new/", CommunityFormView.as_view(), name="community_create"),
    path("communities/<int:pk>/", CommunityFormView.as_view(), name="community_update"),
    path("grids/", GridListView.as_view(), name="grids"),
    path("grids/new/", GridFormView.as_view(), name="grid_create"),
    path("grids/<int:pk>/", GridFormView.as_view(), name="grid_update"),
]
