from rest_framework import serializers

from jiedao.serializers import ScopedPrimaryKeyRelatedField
from residents import id_numbers
from residents.models import ServicePoint

from .models import Meal, MealType


class MealCheckInSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    pick = serializers.CharField(required=False, max_length=200,
                                 help_text="柜台按姓名查找时给出的选择凭据（不接受居民编号）。")
    meal = serializers.ChoiceField(choices=MealType.choices)
    point = ScopedPrimaryKeyRelatedField(queryset=ServicePoint.objects.all(), required=False,
                                         help_text="服务点工作人员可省略（默认本人所在服务点）。")

    def validate(self, data):
        if not data.get("id_number") and not data.get("pick"):
            raise serializers.ValidationError({"id_number": "请提供身份证号。"})
        return data


class MealSerializer(serializers.ModelSerializer):
    rule = serializers.CharField()

    class Meta:
        model = Meal
        fields = ["id", "point", "resident", "name", "age", "age_band", "meal", "date", "full_price", "price",
                  "subsidy", "rule", "created_at"]
        read_only_fields = fields

    age_band = serializers.CharField(read_only=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.resident_id is None:
            # A guest's row shows the masked number: beside it, the age only as its band.
            data["guest_id_number"] = id_numbers.mask(instance.guest_id_number)
            data["age"] = None
        return data




MONEY = {"max_digits": 12, "decimal_places": 2, "coerce_to_string": True}


class _PointMonthSerializer(serializers.Serializer):
    point = serializers.IntegerField()
    name = serializers.CharField()
    meals = serializers.IntegerField()
    diners = serializers.IntegerField()
    paid = serializers.DecimalField(**MONEY)
    subsidy = serializers.DecimalField(**MONEY)


class _PointDaySerializer(serializers.Serializer):
    point = serializers.IntegerField()
    date = serializers.DateField()
    meals = serializers.IntegerField()
    diners = serializers.IntegerField()


class _TotalsSerializer(serializers.Serializer):
    meals = serializers.IntegerField()
    paid = serializers.DecimalField(**MONEY)
    subsidy = serializers.DecimalField(**MONEY)


class _DeliveriesSerializer(serializers.Serializer):
    point = serializers.IntegerField()
    name = serializers.CharField()
    delivered = serializers.IntegerField()
    missed = serializers.IntegerField()


class MealStatsSerializer(serializers.Serializer):
    """GET /api/v1/meals/stats/: what it answers, as the schema documents it."""

    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="YYYY-MM")
    by_point = _PointMonthSerializer(many=True)
    by_day = _PointDaySerializer(many=True)
    totals = _TotalsSerializer()
    deliveries = _DeliveriesSerializer(many=True)
