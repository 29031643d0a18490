from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from jiedao.api import ScopedReadOnlyViewSet, ScopedViewSetMixin, XLSXExportMixin
from jiedao.pagination import Pagination
from jiedao.schema import ErrorSerializer

from . import services
from .exports import CASES, DISBURSEMENTS, WISHES
from .models import Case, Disbursement, Wish
from .serializers import (
    CaseSerializer,
    CorrectionRequestSerializer,
    DisbursementListSerializer,
    DisbursementSerializer,
    PublicWishSerializer,
    TransitionRequestSerializer,
    VoidRequestSerializer,
    WishSerializer,
    WishTransitionRequestSerializer,
)

READERS_ONLY = "您的角色无权访问救助案件。"

class CaseViewSet(XLSXExportMixin, ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Relief cases of residents in the caller's scope. Each step is a POST to transition/ (the approval may
    carry `approved_amount`; without it the requested amount is approved)."""

    queryset = Case.objects.all()
    serializer_class = CaseSerializer
    filterset_class = CASES.filterset
    export_list = CASES
    denied_message = READERS_ONLY

    def get_queryset(self):
        return super().get_queryset().select_related("resident__community").prefetch_related("transitions__by")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.case_open(actor=self.request.user, resident=data.pop("resident"),
                                                 kind=data.pop("kind"), data=data)

    @extend_schema(request=TransitionRequestSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        case = self.get_object()
        data = TransitionRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_transition(actor=request.user, case=case, to=data.validated_data["to"],
                                        comment=data.validated_data.get("comment", ""),
                                        approved_amount=data.validated_data.get("approved_amount"))
        return Response(CaseSerializer(self.get_queryset().get(pk=case.pk), context={"request": request}).data)

    @extend_schema(request=DisbursementSerializer, responses=DisbursementSerializer(many=True))
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def disbursements(self, request, pk=None):
        """A case's payments, voided ones too (marked); POST records one (one-off cases once, monthly ones
        once per month, never above the approved amount)."""
        case = self.get_object()
        if request.method == "POST":
            services.payer_only(request.user)  # the role is told before the body
            data = DisbursementSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            payment = services.disbursement_add(actor=request.user, case=case, **data.validated_data)
            return Response(DisbursementSerializer(payment).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(case.disbursements.select_related("by", "voided_by"))
        return self.get_paginated_response(DisbursementSerializer(page, many=True).data)


class DisbursementViewSet(XLSXExportMixin, ScopedReadOnlyViewSet):
    """Money paid out on the cases in the caller's scope (recorded through cases/{id}/disbursements/).
    Voided payments are listed too, marked `voided` (filter `status=live` or `voided`); no total counts them."""

    queryset = Disbursement.objects.all()
    serializer_class = DisbursementListSerializer
    filterset_class = DISBURSEMENTS.filterset
    export_list = DISBURSEMENTS
    denied_message = READERS_ONLY

    def get_queryset(self):
        return super().get_queryset().select_related("case__resident__community", "by", "voided_by")

    def _answer(self, payment, code=status.HTTP_200_OK):
        return Response(DisbursementListSerializer(self.get_queryset().get(pk=payment.pk)).data, status=code)

    @extend_schema(request=VoidRequestSerializer, responses=DisbursementListSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Void a wrong payment with a reason: it stays listed, marked, and counts in no total. A case that
        has moved on to 发放 keeps a live payment: correct/ it instead."""
        payment = self.get_object()  # outside the scope: 404
        services.payer_only(request.user)  # a role that does not pay: 403, whatever the body
        data = VoidRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.disbursement_void(actor=request.user, payment=payment,
                                             reason=data.validated_data.get("reason", ""))
        return self._answer(payment)

    @extend_schema(request=CorrectionRequestSerializer, responses={201: DisbursementListSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        """Void a wrong payment and record the right one in one step (answers 201 with the new payment,
        whose `replaces` is the voided one); allowed on a case that has moved on to 发放."""
        payment = self.get_object()
        services.payer_only(request.user)
        data = CorrectionRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        right = services.disbursement_correct(actor=request.user, payment=payment, reason=values.pop("reason", ""),
                                              **values)
        return self._answer(right, status.HTTP_201_CREATED)


class PublicListThrottle(SimpleRateThrottle):
    """The public wish list, by address, signed in or not: enough for a person reading it, too slow for a
    scraper (with at most PUBLIC_PAGE_SIZE wishes a page)."""

    scope = "public_wishes"
    rate = "30/min"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


PUBLIC_PAGE_SIZE = 20


class PublicPagination(Pagination):
    page_size = PUBLIC_PAGE_SIZE

    def get_page_size(self, request):
        return min(super().get_page_size(request), PUBLIC_PAGE_SIZE)


class WishViewSet(XLSXExportMixin, ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """微心愿 of residents in the caller's scope, with the person. Each step is a POST to transition/, as a
    case's: `to` reviewed, published, claimed (+ donor, donor_contact), fulfilled (+ fulfilled_on, note) or
    withdrawn (the comment is the reason). public/ lists the published wishes as donors see them."""

    queryset = Wish.objects.all()
    serializer_class = WishSerializer
    filterset_class = WISHES.filterset
    export_list = WISHES
    denied_message = "您的角色无权访问微心愿。"

    def get_queryset(self):
        return super().get_queryset().select_related("resident__community").prefetch_related("transitions__by")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.wish_collect(actor=self.request.user, resident=data.pop("resident"), data=data)

    @extend_schema(request=WishTransitionRequestSerializer, responses=WishSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        wish = self.get_object()
        data = WishTransitionRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        wish = services.wish_transition(actor=request.user, wish=wish, to=values.pop("to"), **values)
        return Response(WishSerializer(self.get_queryset().get(pk=wish.pk), context={"request": request}).data)

    @extend_schema(responses={200: PublicWishSerializer(many=True), 429: ErrorSerializer}, auth=[])
    @action(detail=False, methods=["get"], permission_classes=[AllowAny], throttle_classes=[PublicListThrottle],
            filterset_class=None, pagination_class=PublicPagination)
    def public(self, request):
        """The published wishes as a donor sees them, without signing in: one line each, no identity."""
        wishes = Wish.objects.published().select_related("resident__community__subdistrict").order_by("-id")
        page = self.paginate_queryset(wishes)
        return self.get_paginated_response(PublicWishSerializer(page, many=True).data)

    def throttled(self, request, wait):
        raise Throttled(wait, detail=f"请求过于频繁，请 {int(wait or 60)} 秒后再试。")
