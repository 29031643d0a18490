from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from jiedao.crypto import EncryptedCharField
from jiedao.text import AddressPartField, EncryptedPhoneField, PersonNameField, PhoneField, PlaceNameField, check_phone

from . import id_numbers
from .choices import (  # noqa: F401  (the registry's codes are named from residents.models too)
    MEAL_POINT_KINDS,
    OLDEST_OLD_AGE,
    TAG_LABELS,
    CareDependency,
    CareTier,
    DisabilityType,
    Gender,
    PointKind,
    RelationToHead,
    ResidenceType,
    Status,
    Tag,
    tag_labels,
)
from .querysets import (
    CommunityQuerySet,
    GridQuerySet,
    HouseholdQuerySet,
    ResidentQuerySet,
    ServicePointQuerySet,
    SubdistrictQuerySet,
)

PHONE = check_phone  # one rule for every phone (jiedao.text)


class Subdistrict(models.Model):
    name = PlaceNameField("街道名称", max_length=50, unique=True)
    code = models.CharField("街道代码", max_length=20, blank=True)

    objects = SubdistrictQuerySet.as_manager()

    class Meta:
        verbose_name = "街道"
        verbose_name_plural = "街道"
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def audit_subdistrict_id(self):
        return self.pk


class Community(models.Model):
    subdistrict = models.ForeignKey(Subdistrict, verbose_name="街道", on_delete=models.PROTECT,
                                    related_name="communities")
    name = PlaceNameField("社区名称", max_length=50)
    code = models.CharField("社区代码", max_length=20, blank=True)
    address = models.CharField("居委会地址", max_length=200, blank=True)
    phone = PhoneField("联系电话", max_length=20, blank=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = "社区"
        verbose_name_plural = "社区"
        ordering = ["subdistrict_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "name"], name="community_name_unique_in_subdistrict",
                                    violation_error_message="本街道已有同名社区。"),
            models.UniqueConstraint(fields=["subdistrict", "code"], condition=~models.Q(code=""),
                                    name="community_code_unique_in_subdistrict",
                                    violation_error_message="本街道已有相同代码的社区。"),
        ]

    def __str__(self):
        return self.name

    @property
    def audit_subdistrict_id(self):
        return self.subdistrict_id


class Grid(models.Model):
    community = models.ForeignKey(Community, verbose_name="社区", on_delete=models.PROTECT, related_name="grids")
    name = PlaceNameField("网格名称", max_length=50)
    code = models.CharField("网格编号", max_length=20, blank=True)
    description = models.CharField("范围说明", max_length=200, blank=True)

    objects = GridQuerySet.as_manager()

    class Meta:
        verbose_name = "网格"
        verbose_name_plural = "网格"
        ordering = ["community_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="grid_name_unique_in_community",
                                    violation_error_message="本社区已有同名网格。"),
            models.UniqueConstraint(fields=["community", "code"], condition=~models.Q(code=""),
                                    name="grid_code_unique_in_community",
                                    violation_error_message="本社区已有相同编号的网格。"),
        ]

    def __str__(self):
        return self.label_of(self.community.name, self.name)

    @staticmethod
    def label_of(community_name: str, name: str) -> str:
        """How a grid is named wherever it is listed (its str, and the filters' selects, which read the two
        names without making the grid)."""
        return f"{community_name} · {name}"

    @property
    def audit_subdistrict_id(self):
        return self.community.subdistrict_id


class AddressParts(models.Model):
    """小区 / 楼栋 / 单元 / 房号, shared by households and residents."""

    estate = PlaceNameField("小区", max_length=50, blank=True)
    building = AddressPartField("楼栋", max_length=20, blank=True, suffixes=("号楼", "号", "栋", "幢", "楼"))
    unit = AddressPartField("单元", max_length=20, blank=True, suffixes=("单元",))
    room = AddressPartField("房号", max_length=20, blank=True, suffixes=("室", "号"))

    class Meta:
        abstract = True

    @property
    def address(self) -> str:
        return join_address(self.estate, self.building, self.unit, self.room)


def join_address(estate: str, building: str, unit: str, room: str) -> str:
    """和平里小区3号楼2单元301室: the address as every page and export writes it."""
    parts = [
        estate,
        f"{building}号楼" if building else "",
        f"{unit}单元" if unit else "",
        f"{room}室" if room else "",
    ]
    return "".join(p for p in parts if p)


class Household(AddressParts):
    grid = models.ForeignKey(Grid, verbose_name="网格", on_delete=models.PROTECT, related_name="households")
    number = models.CharField("户编号", max_length=30, blank=True, db_index=True)
    head = models.ForeignKey("Resident", verbose_name="户主", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = "户"
        verbose_name_plural = "户"
        ordering = ["grid_id", "estate", "building", "unit", "room"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "number"], condition=~models.Q(number=""),
                                    name="household_number_unique_in_grid",
                                    violation_error_message="本网格已有相同户编号的户。"),
        ]

    def __str__(self):
        return self.address or f"户 {self.pk}"

    @property
    def audit_subdistrict_id(self):
        return self.grid.community.subdistrict_id


class Resident(AddressParts):
    name = PersonNameField("姓名", max_length=50, db_index=True)
    # Encrypted at rest (jiedao.crypto); looked up only through residents.selectors, by keyed indexes: the
    # whole number's (unique: one registration per number) and its last four's. In clear beside the birth
    # date and sex, the last four would give a database dump the whole number back; keyed, they give nothing.
    id_number = EncryptedCharField("身份证号", max_length=18, blind_index="id_number_index",
                                   last4_index="id_last4_index")
    id_number_index = models.CharField("身份证号索引", max_length=64, unique=True, editable=False)
    id_last4_index = models.CharField("身份证后四位索引", max_length=64, editable=False)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, editable=False)
    birth_date = models.DateField("出生日期", db_index=True, editable=False)
    phone = EncryptedPhoneField("联系电话", max_length=20, blank=True, blind_index="phone_index",
                               last4_index="phone_last4_index")
    phone_index = models.CharField("电话索引", max_length=64, blank=True, editable=False)
    phone_last4_index = models.CharField("电话后四位索引", max_length=64, blank=True, editable=False)
    residence_type = models.CharField("居住类型", max_length=12, choices=ResidenceType.choices,
                                      default=ResidenceType.REGISTERED)
    grid = models.ForeignKey(Grid, verbose_name="网格", on_delete=models.PROTECT, related_name="residents")
    # Denormalised from grid (set on save) so that scope and the community filter hit one index.
    community = models.ForeignKey(Community, verbose_name="社区", on_delete=models.PROTECT,
                                  related_name="residents", editable=False)
    household = models.ForeignKey(Household, verbose_name="户", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="members")
    relation_to_head = models.CharField("与户主关系", max_length=16, choices=RelationToHead.choices, blank=True)
    care_tier = models.CharField("关爱等级", max_length=12, choices=CareTier.choices, default=CareTier.NONE)
    # When the current tier began: a resident never visited is due from this day, and overdue after it.
    care_tier_since = models.DateField("关爱等级起始日", null=True, blank=True, editable=False)
    care_dependency = models.CharField("失能程度", max_length=10, choices=CareDependency.choices, blank=True)
    disability_type = models.CharField("残疾类别", max_length=16, choices=DisabilityType.choices, blank=True)
    disability_grade = models.PositiveSmallIntegerField(
        "残疾等级", null=True, blank=True, choices=[(g, f"{g}级") for g in range(1, 5)])
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.ACTIVE)
    status_date = models.DateField("状态变更日期", null=True, blank=True)
    status_reason = models.CharField("归档原因", max_length=200, blank=True)
    notes = models.TextField("备注", blank=True, max_length=2000)
    # Indexed by resident_pinyin_covering_idx below (its order and its prefix ranges).
    name_pinyin = models.CharField("姓名全拼", max_length=300, editable=False)
    name_initials = models.CharField("姓名首字母", max_length=100, db_index=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="修改人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)
    # One more with every saved change: a form or client that opened an older version is told, not
    # allowed to write over what someone else saved meanwhile (residents.services.resident_update).
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        verbose_name = "居民"
        verbose_name_plural = "居民"
        ordering = ["name_pinyin", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(disability_grade__isnull=True) | models.Q(disability_grade__range=(1, 4)),
                name="resident_disability_grade_1_to_4",
                violation_error_message="残疾等级应为 1–4 级。",
            ),
            models.CheckConstraint(
                condition=models.Q(status="active") | models.Q(status_date__isnull=False),
                name="resident_archived_has_date",
                violation_error_message="迁出或去世须填写日期。",
            ),
        ]
        indexes = [
            # A pinyin or initials search is counted from this index alone: the rows from the search's first
            # letter on, their initials, status and community read with them (the district officer's "zh" at
            # a million: 74,000 rows, 78 ms from the table → 15 ms; issue 17). It also keeps the list's order.
            models.Index(fields=["name_pinyin"], include=["name_initials", "status", "community"],
                         name="resident_pinyin_covering_idx"),
            models.Index(fields=["community", "name_pinyin"], name="resident_community_pinyin_idx"),
            models.Index(fields=["grid", "name_pinyin"], name="resident_grid_pinyin_idx"),
            # A sub-district's or a community's count of its active residents, from the index alone; a few
            # communities' elders by age, without the table's every elder (the dashboard after a move: a bitmap
            # of 250,000 birth dates at a million, 20 ms, and their rows' recheck); and a few communities' residents
            # joined to their visits, cases or tags without reading their rows (8–25 ms → 1.5 ms for two).
            models.Index(fields=["community", "status", "birth_date"], include=["id"],
                         name="resident_register_age_idx"),
            # Columns compared only for equality (keyed indexes, choices) are indexed here rather than by
            # db_index, which on PostgreSQL adds a varchar_pattern_ops twin for LIKE 'x%' that nothing asks:
            # seven indexes that every write of a resident kept and a district's seed built (4 s at a million).
            *(models.Index(fields=[field], name=f"resident_{field.removesuffix('_index')}_idx")
              for field in ("id_last4_index", "phone_index", "phone_last4_index", "gender", "residence_type",
                            "care_tier", "status")),
        ]

    def __str__(self):
        return self.name

    @property
    def audit_subdistrict_id(self):
        return self.community.subdistrict_id

    @property
    def age(self) -> int:
        return id_numbers.age_between(self.birth_date, timezone.localdate())

    @property
    def is_elderly(self) -> bool:
        return self.age >= OLDEST_OLD_AGE

    @property
    def age_band(self) -> str:
        return id_numbers.age_band(self.age)

    @property
    def id_number_masked(self) -> str:
        return id_numbers.mask(self.id_number)

    @property
    def phone_masked(self) -> str:
        return id_numbers.mask_phone(self.phone)

    @property
    def tag_codes(self) -> list[str]:
        # The row's own codes when its list read them with it (ResidentQuerySet.with_tag_codes), else the links
        # (prefetched when a list prefetched them, ResidentQuerySet.with_related).
        if "tag_codes_joined" in self.__dict__:
            return sorted(self.tag_codes_joined.split(",")) if self.tag_codes_joined else []
        return sorted(link.tag for link in self.tag_links.all())

    @property
    def tag_labels(self) -> list[str]:
        return tag_labels(self.tag_codes)


class ResidentTag(models.Model):
    """A special-group tag on a resident: a row per tag, so that "has all of these" uses the index."""

    # No index of its own: resident_tag_unique (resident, tag) leads with it.
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="tag_links", db_index=False)
    tag = models.CharField("标签", max_length=32, choices=Tag.choices)

    class Meta:
        verbose_name = "居民标签"
        verbose_name_plural = "居民标签"
        constraints = [models.UniqueConstraint(fields=["resident", "tag"], name="resident_tag_unique")]
        indexes = [models.Index(fields=["tag", "resident"], name="resident_tag_lookup_idx")]

    def __str__(self):
        return self.get_tag_display()


class ServicePoint(models.Model):
    """A place where residents are served (阵地): canteens, stations, centres, huts. It lives with the
    places because every feature hangs its services off one (meals, classes, activities)."""

    subdistrict = models.ForeignKey("residents.Subdistrict", verbose_name="街道", on_delete=models.PROTECT,
                                    related_name="service_points")
    community = models.ForeignKey("residents.Community", verbose_name="社区", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="service_points",
                                  help_text="街道直属的服务点可留空。")
    kind = models.CharField("类型", max_length=24, choices=PointKind.choices, db_index=True)
    name = PlaceNameField("名称", max_length=60)
    address = models.CharField("地址", max_length=200, blank=True)
    opening_hours = models.CharField("开放时间", max_length=100, blank=True, help_text="如：周一至周五 11:00–13:00")
    capacity = models.PositiveIntegerField("容纳人数", null=True, blank=True,
                                           validators=[MaxValueValidator(100_000, "容纳人数过大。")])
    contact_name = PersonNameField("联系人", max_length=30, blank=True)
    contact_phone = EncryptedPhoneField("联系电话", max_length=20, blank=True)
    rooms = models.CharField("功能室", max_length=300, blank=True,
                             help_text="用顿号或逗号分隔，如：助餐厅、康复室、阅览室")
    active = models.BooleanField("启用", default=True, db_index=True)

    objects = ServicePointQuerySet.as_manager()

    class Meta:
        db_table = "elderly_care_servicepoint"  # born in elderly_care; every feature hangs services off it
        verbose_name = "服务点"
        verbose_name_plural = "服务点"
        ordering = ["subdistrict_id", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["subdistrict", "name"], name="service_point_name_unique",
                                               violation_error_message="本街道已有同名服务点。")]

    def __str__(self):
        return self.name

    @property
    def audit_subdistrict_id(self):
        return self.subdistrict_id

    @property
    def serves_meals(self) -> bool:
        return self.kind in MEAL_POINT_KINDS
