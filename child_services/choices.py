"""The child_services app's codes and their Chinese names: what models, querysets, filters and exports share.

Child services' codes and their Chinese names: what models, querysets, filters and exports share."""
from django.db import models


class ProgrammeKind(models.TextChoices):
    EARLY_EDUCATION = "early_education", "早教/亲子活动"
    HOLIDAY_CLASS = "holiday_class", "暑托班/公益班"
    OTHER = "other", "其他"


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", "已录取"
    WAITLISTED = "waitlisted", "候补"
    WITHDRAWN = "withdrawn", "已退出"


class EnrolmentChannel(models.TextChoices):
    STAFF = "staff", "工作人员代报"
    PUBLIC = "public", "家长网上报名"


# A child is a resident under 18 (未成年人保护法); programmes take children only.
CHILD_AGE_LIMIT_MONTHS = 18 * 12


class DeliveryStatus(models.TextChoices):
    DUE = "due", "待送达"
    DELIVERED = "delivered", "已送达"
    MISSED = "missed", "未送达"
