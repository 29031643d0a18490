from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from jiedao.api import ScopedViewSetMixin, XLSXExportMixin
from jiedao.scope import (
    can_manage_places,
    can_record_visits,
    keeps_volunteers,
    reads_volunteers,
    takes_attendance,
    takes_orders,
)

from . import selectors, services
from .exports import ACTIVITIES, SERVICE_ORDERS, TEAMS, VOLUNTEERS
from .filters import PairingFilterSet, ServiceKindFilterSet
from .models import Activity, HoursEntry, Pairing, ServiceKind, ServiceOrder, Team, TeamMembership, Volunteer
from .serializers import (
    ActivitySerializer,
    AdjustmentRequestSerializer,
    AttendanceRequestSerializer,
    AttendanceSerializer,
    LedgerSerializer,
    MembershipRequestSerializer,
    MembershipSerializer,
    OrderTransitionRequestSerializer,
    PairingSerializer,
    PairingVisitRequestSerializer,
    PairingVisitSerializer,
    RatingLinkRequestSerializer,
    RatingLinkSerializer,
    ServiceKindSerializer,
    ServiceOrderSerializer,
    SignUpRequestSerializer,
    SignUpSerializer,
    TeamSerializer,
    VolunteerSerializer,
)

READERS_ONLY = "您的角色无权访问志愿服务。"


class VolunteerViewSet(XLSXExportMixin, ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                       viewsets.ReadOnlyModelViewSet):
    """Volunteers in the caller's scope (a team leader: the members of their teams). Lists mask ID numbers and
    phones as the registry's do; the detail shows them in full to a role that keeps volunteers, and logs it."""

    queryset = Volunteer.objects.all()
    serializer_class = VolunteerSerializer
    filterset_class = VOLUNTEERS.filterset
    export_list = VOLUNTEERS
    denied_message = READERS_ONLY
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("memberships")

    def retrieve(self, request, *args, **kwargs):
        volunteer = self.get_object()
        full = keeps_volunteers(request.user)
        if full:
            services.volunteer_view_full(actor=request.user, volunteer=volunteer)
        return Response(self.get_serializer(volunteer, context={**self.get_serializer_context(),
                                                                "full_numbers": full}).data)

    def perform_create(self, serializer):
        serializer.instance = services.volunteer_create(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.volunteer_update(actor=self.request.user, volunteer=serializer.instance,
                                                        data=serializer.validated_data)

    def may_write(self, user) -> bool:
        # An adjustment of hours is also the team leader's (of the volunteer's team: the service asks).
        return takes_attendance(user) if self.action == "hours" else keeps_volunteers(user)

    @extend_schema(methods=["GET"], request=None, responses=LedgerSerializer)
    @extend_schema(methods=["POST"], request=AdjustmentRequestSerializer, responses={201: LedgerSerializer})
    @action(detail=True, methods=["get", "post"], filterset_class=None, pagination_class=None)
    def hours(self, request, pk=None):
        """The volunteer's hours ledger: every entry with where it came from (an order, an activity, an
        adjustment), and the total. POST corrects one entry (`adjusts`) with the right hours and a reason, kept
        beside the original."""
        volunteer = self.get_object()
        code = status.HTTP_200_OK
        if request.method == "POST":
            data = AdjustmentRequestSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            entry = HoursEntry.objects.filter(volunteer=volunteer, pk=data.validated_data["adjusts"]).first()
            if entry is None:
                raise ValidationError({"adjusts": "该志愿者没有这条时长记录。"})
            services.hours_adjust(actor=request.user, entry=entry, hours=data.validated_data["hours"],
                                  reason=data.validated_data["reason"])
            code = status.HTTP_201_CREATED
        ledger = selectors.hours_ledger(volunteer)
        for entry in ledger.entries:
            entry.counted = ledger.counted(entry)
        return Response(LedgerSerializer(ledger).data, status=code)


class TeamViewSet(XLSXExportMixin, ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                  viewsets.ReadOnlyModelViewSet):
    """Teams in the caller's scope: a community's and the whole sub-district's; `?mine=true` the teams the
    caller leads (a team leader's own)."""

    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    filterset_class = TEAMS.filterset
    export_list = TEAMS
    denied_message = READERS_ONLY
    may_write = staticmethod(keeps_volunteers)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().select_related("leader").prefetch_related(
            Prefetch("memberships", queryset=TeamMembership.objects.current()))

    def perform_create(self, serializer):
        serializer.instance = services.team_save(actor=self.request.user, team=Team(**serializer.validated_data))

    def perform_update(self, serializer):
        team = serializer.instance
        for field, value in serializer.validated_data.items():
            setattr(team, field, value)
        serializer.instance = services.team_save(actor=self.request.user, team=team)

    @extend_schema(request=MembershipRequestSerializer, responses={201: MembershipSerializer})
    @action(detail=True, methods=["post"])
    def members(self, request, pk=None):
        """A volunteer joins the team (`on`: the day they joined, today if left out)."""
        team = self.get_object()
        data = MembershipRequestSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        membership = services.membership_add(actor=request.user, team=team, volunteer=data.validated_data["volunteer"],
                                             joined_on=data.validated_data.get("on"))
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MembershipRequestSerializer, responses={200: MembershipSerializer})
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        """A member leaves the team (`on`: the day, today if left out); the membership is kept, ended."""
        team = self.get_object()
        data = MembershipRequestSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        membership = TeamMembership.objects.filter(team=team, volunteer=data.validated_data["volunteer"],
                                                   left_on__isnull=True).first()
        if membership is None:
            raise ValidationError({"volunteer": "该志愿者现不在队中。"})
        membership = services.membership_end(actor=request.user, membership=membership,
                                             left_on=data.validated_data.get("on"))
        return Response(MembershipSerializer(membership).data)


class ServiceKindViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                         viewsets.ReadOnlyModelViewSet):
    """The services residents may order (上门保洁, 维修, 理发, 代购, 陪诊 …): the sub-district admin keeps the list."""

    queryset = ServiceKind.objects.all()
    serializer_class = ServiceKindSerializer
    filterset_class = ServiceKindFilterSet
    denied_message = READERS_ONLY
    allowed = staticmethod(reads_volunteers)
    may_write = staticmethod(can_manage_places)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer):
        serializer.instance = services.service_kind_save(actor=self.request.user,
                                                         kind=ServiceKind(**serializer.validated_data))

    def perform_update(self, serializer):
        kind = serializer.instance
        for field, value in serializer.validated_data.items():
            setattr(kind, field, value)
        serializer.instance = services.service_kind_save(actor=self.request.user, kind=kind)


class ServiceOrderViewSet(XLSXExportMixin, ScopedViewSetMixin, mixins.CreateModelMixin,
                          viewsets.ReadOnlyModelViewSet):
    """Service orders (点单 → 派单 → 接单 → 完成 → 点评) of the residents in the caller's scope; a team leader's,
    those dispatched to their teams. Each step is a POST to transition/, as a relief case's."""

    queryset = ServiceOrder.objects.all()
    serializer_class = ServiceOrderSerializer
    filterset_class = SERVICE_ORDERS.filterset
    export_list = SERVICE_ORDERS
    denied_message = READERS_ONLY

    def may_write(self, user) -> bool:
        # Taking an order is staff's and grid workers'; each later step's role is the path's (the service asks).
        return takes_orders(user) if self.action == "create" else True

    def allowed(self, user) -> bool:
        return reads_volunteers(user)  # the export itself is the registry readers' (SERVICE_ORDERS.readers)

    def get_queryset(self):
        return super().get_queryset().select_related("resident", "service").prefetch_related("transitions__by")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.order_create(actor=self.request.user, resident=data["resident"],
                                                    service=data["service"], wanted_at=data["wanted_at"],
                                                    notes=data.get("notes", ""))

    def _answer(self, order):
        # A declined order has left the team: its leader is answered with what they just did, then no more.
        return Response(ServiceOrderSerializer(self.get_queryset().filter(pk=order.pk).first() or order,
                                               context={"request": self.request}).data)

    @extend_schema(request=OrderTransitionRequestSerializer, responses=ServiceOrderSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """One step: `to` dispatched (+ team, deadline), accepted, declined (comment: the reason), done (+ note,
        hours [{volunteer, hours}]), rated (+ rating 1–5; comment: the resident's words)."""
        order = self.get_object()
        data = OrderTransitionRequestSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        order = services.order_transition(actor=request.user, order=order, to=values.pop("to"),
                                          comment=values.pop("comment", ""), **values)
        return self._answer(order)

    @extend_schema(request=RatingLinkRequestSerializer, responses={201: RatingLinkSerializer})
    @action(detail=True, methods=["post"], url_path="rating-link")
    def rating_link(self, request, pk=None):
        """A single-use link for the resident to rate a done order (14 days); the URL is shown this once. With
        `{"send": "text"}` it is texted to the resident's mobile instead (400 when they have none: print the slip)."""
        order = self.get_object()
        asked = RatingLinkRequestSerializer(data=request.data if isinstance(request.data, dict) else {})
        asked.is_valid(raise_exception=True)
        if asked.validated_data.get("send") == "text":
            shown = services.rating_link_send(actor=request.user, order=order)
            return Response({"texted_to": shown}, status=status.HTTP_201_CREATED)
        link, token = services.rating_link_issue(actor=request.user, order=order)
        url = request.build_absolute_uri(reverse("volunteer_rate", args=[token]))
        return Response({"url": url, "expires_at": link.expires_at}, status=status.HTTP_201_CREATED)


class ActivityViewSet(XLSXExportMixin, ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                      viewsets.ReadOnlyModelViewSet):
    """Activities of the teams in the caller's scope (a team leader: their teams'). POST signups/ signs a volunteer
    up (up to the capacity); POST attendance/ checks them in and out and credits the hours, to the quarter hour."""

    queryset = Activity.objects.all()
    serializer_class = ActivitySerializer
    filterset_class = ACTIVITIES.filterset
    export_list = ACTIVITIES
    denied_message = READERS_ONLY
    http_method_names = ["get", "post", "patch", "head", "options"]

    def may_write(self, user) -> bool:
        # Creating and changing activities is staff's; sign-up and attendance also the team leader's.
        return takes_attendance(user) if self.action in ("signups", "attendance") else keeps_volunteers(user)

    def get_queryset(self):
        return super().get_queryset().select_related("team").prefetch_related("signups")

    def perform_create(self, serializer):
        serializer.instance = services.activity_save(actor=self.request.user,
                                                     activity=Activity(**serializer.validated_data))

    def perform_update(self, serializer):
        activity = serializer.instance
        for field, value in serializer.validated_data.items():
            setattr(activity, field, value)
        serializer.instance = services.activity_save(actor=self.request.user, activity=activity)

    @extend_schema(request=SignUpRequestSerializer, responses={201: SignUpSerializer})
    @action(detail=True, methods=["post"])
    def signups(self, request, pk=None):
        activity = self.get_object()
        data = SignUpRequestSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        signup = services.signup_add(actor=request.user, activity=activity, volunteer=data.validated_data["volunteer"])
        return Response(SignUpSerializer(signup).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AttendanceRequestSerializer, responses={201: AttendanceSerializer})
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        activity = self.get_object()
        data = AttendanceRequestSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        attendance = services.attendance_record(actor=request.user, activity=activity, **data.validated_data)
        attendance.hours = attendance.activity.hours.get(volunteer=attendance.volunteer).hours
        return Response(AttendanceSerializer(attendance).data, status=status.HTTP_201_CREATED)


class PairingViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Pairings (结对) of a volunteer or a grid worker with a key resident, at a rhythm. POST visits/ records a
    pairing's visit: it is a home visit of the resident's plan (in /api/v1/visits/ too)."""

    queryset = Pairing.objects.all()
    serializer_class = PairingSerializer
    filterset_class = PairingFilterSet
    denied_message = READERS_ONLY
    allowed = staticmethod(reads_volunteers)

    def may_write(self, user) -> bool:
        return can_record_visits(user) if self.action == "visits" else keeps_volunteers(user)

    def get_queryset(self):
        return super().get_queryset().select_related("resident", "volunteer", "worker")

    def perform_create(self, serializer):
        serializer.instance = services.pairing_create(actor=self.request.user, **serializer.validated_data)

    @extend_schema(request=PairingVisitRequestSerializer, responses={201: PairingVisitSerializer})
    @action(detail=True, methods=["post"])
    def visits(self, request, pk=None):
        pairing = self.get_object()
        data = PairingVisitRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.pairing_visit_record(actor=request.user, pairing=pairing, **data.validated_data)
        return Response(PairingVisitSerializer(made).data, status=status.HTTP_201_CREATED)
