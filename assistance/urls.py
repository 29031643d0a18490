from django.urls import path

from . import views

app_name = "assistance"
urlpatterns = [
    path("", views.CaseListView.as_view(), name="case_list"),
    path("new/<int:resident>/", views.CaseCreateView.as_view(), name="case_create"),
    path("disbursements/", views.DisbursementListView.as_view(), name="disbursement_list"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("<int:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("<int:pk>/transition/", views.case_transition, name="case_transition"),
    path("<int:pk>/notice/", views.NoticeView.as_view(), name="notice"),
    path("<int:pk>/documents/", views.document_upload, name="document_upload"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("<int:pk>/disbursements/", views.DisbursementAddView.as_view(), name="disbursement_add"),
    path("disbursements/<int:pk>/void/", views.DisbursementChangeView.as_view(), name="disbursement_void"),
    path("disbursements/<int:pk>/correct/", views.DisbursementCorrectView.as_view(), name="disbursement_correct"),
    path("wishes/", views.WishListView.as_view(), name="wish_list"),
    path("wishes/public/", views.PublicWishListView.as_view(), name="wish_public"),
    path("wishes/new/<int:resident>/", views.WishCreateView.as_view(), name="wish_create"),
    path("wishes/<int:pk>/", views.WishDetailView.as_view(), name="wish_detail"),
    path("wishes/<int:pk>/transition/", views.wish_transition, name="wish_transition"),
    path("wishes/<int:pk>/photo/", views.wish_photo, name="wish_photo"),
]
