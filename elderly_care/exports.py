from jiedao.exports import Columns, ExportList, choice
from jiedao.scope import reads_service_records
from residents.id_numbers import age_band, mask

from .filters import MealFilterSet
from .models import Meal, MealType

MEAL_COLUMNS = Columns(
    fields=("date", "point__name", "meal", "name", "resident__community__name", "guest_id_number", "age",
            "full_price", "price", "subsidy", "rule"),
    items=[
        ("日期", lambda m: m["date"], 12),
        ("服务点", lambda m: m["point__name"], 18),
        ("餐次", choice("meal", MealType), 6),
        ("姓名", lambda m: m["name"] or "来宾", 10),
        ("居民所在社区", lambda m: m["resident__community__name"] or "", 14),
        ("来宾身份证号", lambda m: mask(m["guest_id_number"]), 22),
        ("年龄段", lambda m: age_band(m["age"]), 8),
        ("标准价（元）", lambda m: m["full_price"], 8),
        ("个人支付（元）", lambda m: m["price"], 8),
        ("补贴（元）", lambda m: m["subsidy"], 8),
        ("适用规则", lambda m: m["rule"], 16),
    ],
)

MEALS = ExportList(name="用餐记录", model=Meal, filterset=MealFilterSet, columns=MEAL_COLUMNS,
                   readers=reads_service_records, path=f"{__name__}.MEALS", related=("point", "resident__community"))
