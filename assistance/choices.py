"""The assistance app's codes and their Chinese names: what models, querysets, filters and exports share."""

from django.db import models


class CaseKind(models.TextChoices):
    DIBAO = "dibao", "低保"
    TEKUN = "tekun", "特困供养"
    TEMPORARY = "temporary", "临时救助"
    MEDICAL = "medical", "医疗救助"
    ACCESSIBILITY_RETROFIT = "accessibility_retrofit", "无障碍改造"
    EMPLOYMENT_SUPPORT = "employment_support", "就业帮扶"
    MICRO_WISH = "micro_wish", "微心愿"


class CaseState(models.TextChoices):
    APPLIED = "applied", "申请"
    COMMUNITY_REVIEWED = "community_reviewed", "社区初审"
    SUBDISTRICT_REVIEWED = "subdistrict_reviewed", "街道审核"
    PUBLICIZED = "publicized", "公示"
    APPROVED = "approved", "审批"
    DISBURSED = "disbursed", "发放"
    CLOSED = "closed", "结案"
    REJECTED = "rejected", "驳回"


class DisbursementMethod(models.TextChoices):
    BANK = "bank", "银行代发"
    CASH = "cash", "现金"
    IN_KIND = "in_kind", "实物/服务"


class DocumentType(models.TextChoices):
    IDENTITY = "identity", "身份证明"
    INCOME = "income", "收入证明"
    MEDICAL = "medical", "医疗票据"
    DISABILITY = "disability", "残疾证"
    OTHER = "other", "其他"


class WishState(models.TextChoices):
    """A 微心愿's path (assistance.workflow.WISH_PATH): each label names the step already taken."""

    COLLECTED = "collected", "征集"
    REVIEWED = "reviewed", "审核"
    PUBLISHED = "published", "发布"
    CLAIMED = "claimed", "认领"
    FULFILLED = "fulfilled", "实现"
    WITHDRAWN = "withdrawn", "撤回"
