"""The registry's codes and their Chinese names: what models, querysets, filters and exports share."""

from django.db import models


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class ResidenceType(models.TextChoices):
    REGISTERED = "registered", "户籍"
    PERMANENT = "permanent", "常住"
    FLOATING = "floating", "流动"


class RelationToHead(models.TextChoices):
    SELF = "self", "本人（户主）"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    PARENT = "parent", "父母"
    GRANDCHILD = "grandchild", "孙子女"
    GRANDPARENT = "grandparent", "祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    CHILD_IN_LAW = "child_in_law", "儿媳/女婿"
    OTHER = "other", "其他"


class CareTier(models.TextChoices):
    NONE = "none", "无"
    KEY = "key", "重点关爱"
    REGULAR = "regular", "常规关爱"
    GENERAL = "general", "一般关爱"


class Status(models.TextChoices):
    ACTIVE = "active", "在册"
    MOVED_OUT = "moved_out", "迁出"
    DECEASED = "deceased", "去世"


class Tag(models.TextChoices):
    LIVING_ALONE = "living_alone", "独居"
    EMPTY_NEST = "empty_nest", "空巢"
    DISABLED_CARE = "disabled_care", "失能/半失能"
    DISABILITY = "disability", "残疾人"
    CHILDLESS_WIDOWED = "childless_widowed", "孤寡"
    BEREAVED_PARENT = "bereaved_parent", "计划生育特殊家庭"
    DIBAO = "dibao", "低保"
    LOW_INCOME_EDGE = "low_income_edge", "低边"
    TEKUN = "tekun", "特困"
    CHILD_IN_DIFFICULTY = "child_in_difficulty", "困境儿童"
    LEFT_BEHIND_CHILD = "left_behind_child", "留守儿童"
    ORPHAN = "orphan", "孤儿"
    EMPLOYMENT_DIFFICULTY = "employment_difficulty", "就业困难人员"


class CareDependency(models.TextChoices):
    FULL = "full", "失能"
    PARTIAL = "partial", "半失能"


class DisabilityType(models.TextChoices):
    VISUAL = "visual", "视力残疾"
    HEARING = "hearing", "听力残疾"
    SPEECH = "speech", "言语残疾"
    PHYSICAL = "physical", "肢体残疾"
    INTELLECTUAL = "intellectual", "智力残疾"
    MENTAL = "mental", "精神残疾"
    MULTIPLE = "multiple", "多重残疾"


OLDEST_OLD_AGE = 80  # 高龄 (the oldest old): derived from age, never stored as a tag
TAG_LABELS = dict(Tag.choices)


def tag_labels(codes) -> list[str]:
    """The Chinese names of tag codes, in code order (unknown codes left out)."""
    return [TAG_LABELS[c] for c in sorted(codes) if c in TAG_LABELS]


class PointKind(models.TextChoices):
    CANTEEN = "canteen", "老年食堂"
    MEAL_POINT = "meal_point", "助餐点"
    HAPPINESS_STATION = "happiness_station", "幸福驿站"
    ELDERLY_CENTER = "elderly_center", "养老服务中心"
    PARENT_CHILD_HUT = "parent_child_hut", "亲子小屋"
    DISABLED_HOME = "disabled_home", "残疾人之家"
    EMPLOYMENT_STATION = "employment_station", "就业服务站"


MEAL_POINT_KINDS = [PointKind.CANTEEN, PointKind.MEAL_POINT]  # where the counter checks meals in


# 低保 and 特困 follow relief cases (assistance opens and ends them): no form ticks them by hand.
CASE_BACKED_TAGS = {Tag.DIBAO.value, Tag.TEKUN.value}
