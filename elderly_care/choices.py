"""The elderly_care app's codes and their Chinese names: what models, querysets, filters and exports share."""

from django.db import models


class MealType(models.TextChoices):
    BREAKFAST = "breakfast", "早餐"
    LUNCH = "lunch", "午餐"
    DINNER = "dinner", "晚餐"


class EnrolmentKind(models.TextChoices):
    MEAL_DELIVERY = "meal_delivery", "送餐上门"
    HOME_CARE_BED = "home_care_bed", "家庭养老床位"
    DAY_CARE = "day_care", "日间照料"


class DeliveryStatus(models.TextChoices):
    DELIVERED = "delivered", "已送达"
    MISSED = "missed", "未送达"
