"""Endpoints of the project itself: token, who am I, the audit log."""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from residents.models import Community, Grid

from . import audit
from .authentication import token_expired
from .filters import AuditEntryFilterSet
from .models import AuditAction, AuditEntry, User
from .scope import is_auditor
from .views import LOCKED_MESSAGE


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenView(APIView):
    """POST {username, password} → {token}. Failed attempts count towards the same per-account
    lockout as the login page (django-axes), and both are audited."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = []

    @extend_schema(request=TokenRequestSerializer,
                   responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        credentials = {"username": data.validated_data["username"]}
        if AxesProxyHandler.is_locked(request._request, credentials):
            user = User.objects.filter(username=credentials["username"]).first()
            audit.record(actor=user, username=credentials["username"], action=AuditAction.LOGIN_FAILED,
                         changes={"via": "api_token", "locked": True})
            return Response({"detail": LOCKED_MESSAGE}, status=status.HTTP_403_FORBIDDEN)
        user = authenticate(request._request, username=credentials["username"],
                            password=data.validated_data["password"])
        if user is None:
            if AxesProxyHandler.is_locked(request._request, credentials):
                return Response({"detail": LOCKED_MESSAGE}, status=status.HTTP_403_FORBIDDEN)
            return Response({"detail": "用户名或密码错误。"}, status=status.HTTP_400_BAD_REQUEST)
        token, _ = Token.objects.get_or_create(user=user)
        if token_expired(token):
            token.delete()
            token = Token.objects.create(user=user)
        audit.record(actor=user, action=AuditAction.LOGIN, changes={"via": "api_token"})
        return Response({"token": token.key})


class MeView(APIView):
    @extend_schema(responses={200: inline_serializer("Me", {
        "username": serializers.CharField(), "role": serializers.CharField(),
        "communities": serializers.ListField(child=serializers.IntegerField()),
        "grids": serializers.ListField(child=serializers.IntegerField()),
    })})
    def get(self, request):
        user = request.user
        return Response({
            "username": user.username,
            "role": user.role,
            "communities": list(Community.objects.visible_to(user).order_by("id").values_list("id", flat=True)),
            "grids": list(Grid.objects.visible_to(user).order_by("id").values_list("id", flat=True)),
        })


class IsAuditor(permissions.BasePermission):
    message = "只有审计员可以查看审计日志。"

    def has_permission(self, request, view):
        return is_auditor(request.user)


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_username")

    class Meta:
        model = AuditEntry
        fields = ["id", "actor", "action", "target_type", "target_id", "at", "ip", "changes"]


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit log of the auditor's own sub-district, newest first. Read-only for everyone."""

    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilterSet
    permission_classes = [permissions.IsAuthenticated, IsAuditor]

    def get_queryset(self):
        return AuditEntry.objects.visible_to(self.request.user)
