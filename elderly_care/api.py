from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from jiedao.api import ScopedViewSetMixin, XLSXExportMixin
from jiedao.dates import MONTH_ERROR, parse_month
from jiedao.scope import is_point_operator

from . import selectors, services
from .exports import MEALS
from .models import Meal
from .serializers import MealCheckInSerializer, MealSerializer, MealStatsSerializer


class MealViewSet(XLSXExportMixin, ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Meals at the points in the caller's scope; POST checks a diner in (see the fields)."""

    queryset = Meal.objects.all()
    serializer_class = MealSerializer
    filterset_class = MEALS.filterset
    export_list = MEALS

    def get_queryset(self):
        return super().get_queryset().select_related("point")

    @extend_schema(request=MealCheckInSerializer, responses={201: MealSerializer})
    def create(self, request, *args, **kwargs):
        data = MealCheckInSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        point = values.get("point") or request.user.service_point
        if point is None:
            raise ValidationError({"point": "请指定服务点。"})
        resident = services.picked_resident(point, values["pick"]) if values.get("pick") else None
        meal = services.meal_check_in(operator=request.user, point=point, meal=values["meal"],
                                      id_number=values.get("id_number"), resident=resident)
        return Response(MealSerializer(meal).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("month", str, description="YYYY-MM，默认本月")],
                   responses=MealStatsSerializer)
    @action(detail=False, filterset_class=None, pagination_class=None)
    def stats(self, request):
        if is_point_operator(request.user) and not request.user.service_point_id:
            raise PermissionDenied()
        raw = request.query_params.get("month")
        month = parse_month(raw) if raw is not None else timezone.localdate().replace(day=1)
        if month is None:
            raise ValidationError({"month": [MONTH_ERROR]})
        stats = selectors.meal_stats(request.user, month)
        return Response(MealStatsSerializer({
            "month": stats["month"].strftime("%Y-%m"),
            "by_point": [{"point": r["point_id"], "name": r["point__name"], **r} for r in stats["by_point"]],
            "by_day": [{"point": r["point_id"], **r} for r in stats["by_day"]],
            "totals": stats["totals"],
            "deliveries": [{"point": r["point_id"], "name": r["point__name"], **r} for r in stats["deliveries"]],
        }).data)


