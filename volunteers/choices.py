from datetime import date, timedelta

from django.db import models


class VolunteerStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    PAUSED = "paused", "暂停服务"
    LEFT = "left", "已退出"


class OrderState(models.TextChoices):
    """群众点单 → 中心派单 → 队伍接单 → 完成 → 群众点评 (a declined order goes back to 点单)."""

    REQUESTED = "requested", "点单"
    DISPATCHED = "dispatched", "派单"
    ACCEPTED = "accepted", "接单"
    DECLINED = "declined", "拒单"
    DONE = "done", "完成"
    RATED = "rated", "点评"


class HoursSource(models.TextChoices):
    ORDER = "order", "服务单"
    ACTIVITY = "activity", "志愿活动"
    ADJUSTMENT = "adjustment", "队长调整"


class Rhythm(models.TextChoices):
    """How often a pairing's volunteer (or grid worker) visits: the same words as a visit plan's."""

    WEEKLY = "weekly", "每周一次"
    BIWEEKLY = "biweekly", "每两周一次"
    MONTHLY = "monthly", "每月一次"


RHYTHM_DAYS = {Rhythm.WEEKLY: 7, Rhythm.BIWEEKLY: 14, Rhythm.MONTHLY: 31}


def next_visit_due(rhythm: str, started_on: date, last_visit: date | None) -> date:
    """The day a pairing's next visit is due: its rhythm after the last visit (or after it began)."""
    return (last_visit or started_on) + timedelta(days=RHYTHM_DAYS[rhythm])
