"""Serializer fields every app's API shares."""

from rest_framework import serializers

from .dates import check_day
from .params import MAX_ID, positive_int


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """Accepts only ids the caller may see: another community's grid is 'not found', like a 404."""

    default_error_messages = {
        "does_not_exist": "编号为 {pk_value} 的对象不存在或不在您的管辖范围内。",
        "incorrect_type": "应为整数编号，收到的是 {data_type}。",
        "required": "此项为必填项。",
        "null": "此项不能为空。",
    }

    def get_queryset(self):
        return self.queryset.model.objects.visible_to(self.context["request"].user)

    def to_internal_value(self, data):
        # Only whole numbers a database id can be: 1.5, 1e400, true, "abc" and "²" are refused here, not
        # passed to the database (where an overflow would be a 500).
        if isinstance(data, str) and data.isascii() and data.isdigit():
            data = positive_int(data) or MAX_ID + 1  # 0, or too large for any id: no such row
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=str(data)[:30])
        return super().to_internal_value(data)


class SafeDateTimeField(serializers.DateTimeField):
    """A date-time that cannot overflow when put in Asia/Shanghai (year 1 or 9999 answer 400), on a day a
    user may name (jiedao.dates.check_day: 1900–2100, as every day the portal takes)."""

    def to_internal_value(self, value):
        try:
            moment = super().to_internal_value(value)
        except (OverflowError, ValueError):
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss][+HH:MM]")
        try:
            check_day(moment.date())
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None
        return moment

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except (OverflowError, ValueError):
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss][+HH:MM]")
