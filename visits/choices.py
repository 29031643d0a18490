"""The visits app's codes and their Chinese names: what models, querysets, filters and exports share."""

from django.db import models


class Method(models.TextChoices):
    HOME = "home", "上门探访"
    PHONE = "phone", "电话问候"
    CURTAIN_SIGN = "curtain_sign", "窗帘之约"
    OTHER = "other", "其他"


def method_phrase(method: str) -> str:
    """A method as a reminder says it (今天应上门探访, 电话问候已逾期): its label, which already names the
    act, and 探访 for 其他."""
    return "探访" if method == Method.OTHER else Method(method).label


class Frequency(models.TextChoices):
    DAILY = "daily", "每天"
    WEEKLY = "weekly", "每周"
    EVERY_N_DAYS = "every_n_days", "每 N 天"
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"


class HazardKind(models.TextChoices):
    FIRE = "fire", "消防"
    GAS = "gas", "燃气"
    ELECTRICITY = "electricity", "用电"
    FRAUD = "fraud", "诈骗"
    HEALTH = "health", "健康"
    OTHER = "other", "其他"


class HazardStatus(models.TextChoices):
    OPEN = "open", "待处理"
    IN_HAND = "in_hand", "处理中"
    CLOSED = "closed", "已解决"
