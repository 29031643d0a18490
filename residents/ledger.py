"""The residents' ledger: which columns a community's 台账 may hold (RESIDENT_FIELDS, for jiedao.ledger), and
the verdict on each row it read (`classify`): new, update, warning or rejected, with the reasons in Chinese.

Each value is read through the registry's own rules, never a second copy of them: the ID number by
residents.id_numbers.parse (spaces, full-width digits and a lower-case x read; check digit and birth date
checked), the name, phone and address parts by the Resident model's fields (jiedao.text), the look-up of
numbers already registered by their keyed index (residents.selectors), scope by Resident.visible_to.

Decisions the issue leaves open:
- The birth date and sex come from the ID number. A birth-date column that contradicts it (to its own
  precision: 1950.3 agrees with any day of March 1950) and a gender column that contradicts it are warnings;
  a date that cannot be read is no warning (the column is not used).
- The age column is never used. A ledger's age is often the nominal age (虚岁, one or two above the full age)
  or was typed years ago: only an age more than one year below or two above the ID's age is a warning
  ("年龄列已过时，已按身份证号码计算").
- A phone that cannot be read is a warning and the phone is left empty: the person is still registered.
  Two numbers in one cell: the first is the phone, the second goes into the notes, and a warning says so.
- A tag column: a yes mark sets the tag, a no mark or a blank clears it on an update (the ledger says so);
  a column the ledger does not have leaves the tag as it is. 低保/特困 marks never set a tag (relief cases
  keep those): a warning.
- A number registered in a community other than the ledger's is rejected: outside the actor's scope with
  "已在其他社区登记" and no more; inside it (a sub-district admin) naming the community, since an import
  moves no one.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from jiedao.ledger import Field, LedgerRow, ledger_date, yes_mark
from jiedao.text import phone_number

from . import id_numbers
from .choices import CASE_BACKED_TAGS, CareDependency, Gender, RelationToHead, Status, Tag
from .models import Community, Resident
from .selectors import filter_by_id_numbers, id_number_indexes

TAG_SYNONYMS: dict[str, tuple[str, ...]] = {
    Tag.LIVING_ALONE: ("独居", "独居老人", "是否独居"),
    Tag.EMPTY_NEST: ("空巢", "空巢老人", "是否空巢"),
    Tag.DISABLED_CARE: ("失能", "失能半失能", "失能老人", "是否失能", "全失能"),
    Tag.DISABILITY: ("残疾", "残疾人", "是否残疾", "持证残疾人"),
    Tag.CHILDLESS_WIDOWED: ("孤寡", "孤寡老人"),
    Tag.BEREAVED_PARENT: ("失独", "计生特殊家庭", "计划生育特殊家庭", "失独家庭"),
    Tag.LOW_INCOME_EDGE: ("低边", "低保边缘", "低边户"),
    Tag.CHILD_IN_DIFFICULTY: ("困境儿童",),
    Tag.LEFT_BEHIND_CHILD: ("留守儿童",),
    Tag.ORPHAN: ("孤儿",),
    Tag.EMPLOYMENT_DIFFICULTY: ("就业困难", "就业困难人员"),
}
PARTIAL_CARE = "care_partial"  # a 半失能 column of its own: the disabled_care tag, partly dependent
CASE_MARKS = {"dibao": ("低保", "低保户", "是否低保", "低保对象"),
              "tekun": ("特困", "特困人员", "特困供养", "是否特困")}

RESIDENT_FIELDS: tuple[Field, ...] = (
    Field("name", "姓名", ("居民姓名", "老人姓名", "人员姓名"), required=True),
    Field("id_number", "身份证号码", ("身份证号", "公民身份号码", "证件号码", "身份证", "身份证件号码", "身份号码",
                                 "身份证号码18位"), required=True),
    Field("gender", "性别"),
    Field("birth_date", "出生日期", ("出生年月", "出生年月日", "生日", "出生时间")),
    Field("age", "年龄", ("周岁", "年龄岁", "岁数")),
    Field("phone", "联系电话", ("手机", "电话", "手机号码", "联系方式", "电话号码", "手机号", "联系号码", "本人电话")),
    Field("address", "住址", ("家庭住址", "居住地址", "现住址", "地址", "详细地址", "现居住地址", "居住地")),
    Field("estate", "小区", ("小区名称", "所在小区", "小区名")),
    Field("building", "楼栋", ("楼号", "幢", "栋", "楼幢", "幢号", "楼栋号", "楼")),
    Field("unit", "单元", ("单元号",)),
    Field("room", "房号", ("门牌号", "室", "房间号", "房屋号", "室号")),
    Field("household_head", "户主", ("是否户主", "户主姓名")),
    Field("relationship", "与户主关系", ("关系", "与户主的关系", "家庭关系")),
    *(Field(code, label, TAG_SYNONYMS.get(code, ())) for code, label in Tag.choices if code not in CASE_BACKED_TAGS),
    Field(PARTIAL_CARE, "半失能", ("半失能老人",)),
    Field("dibao", "低保", CASE_MARKS["dibao"][1:]),
    Field("tekun", "特困", CASE_MARKS["tekun"][1:]),
    Field("categories", "人员类别", ("类别", "特殊群体", "人员类型", "困难类型", "对象类别")),
    Field("notes", "备注", ("说明", "情况说明", "备注说明")),
)
IMPORTABLE_TAGS = [code for code, _ in Tag.choices if code not in CASE_BACKED_TAGS]
CASE_MESSAGE = "低保/特困 不能通过导入设置，请在救助案件中办理"
OUTSIDE_SCOPE = "已在其他社区登记"


@dataclass
class RowVerdict:
    sheet: str
    row: int
    outcome: str  # "new" | "update" | "warning" | "rejected"
    reasons: list[str]
    name: str
    id_number: str
    data: dict[str, Any]
    changes: dict[str, list]
    resident_id: int | None
    warnings_only: bool = False
    action: str = ""  # what an accepted row does: "new" or "update" (a warning row is one or the other)

    @property
    def accepted(self) -> bool:
        return self.outcome != "rejected"


# ── reading one value ──────────────────────────────────────────────────────────────────────────────────

_FIELD = Resident._meta.get_field


def _clean(name: str, value: Any) -> Any:
    """The value through the Resident field's own rule (to_python and validators); ValidationError if bad."""
    return _FIELD(name).clean(value, None)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _gender(value: Any) -> str:
    text = re.sub(r"\s", "", unicodedata.normalize("NFKC", _text(value))).lower()
    if text in ("男", "男性", "m", "male", "1"):
        return Gender.MALE
    if text in ("女", "女性", "f", "female", "2"):
        return Gender.FEMALE
    return ""


_RELATIONS = [
    (RelationToHead.SELF, ("本人", "户主", "本人户主", "户主本人", "自己")),
    (RelationToHead.CHILD_IN_LAW, ("儿媳", "女婿", "媳妇", "儿媳妇")),
    (RelationToHead.SPOUSE, ("配偶", "妻", "夫", "妻子", "丈夫", "老伴", "爱人", "夫妻")),
    (RelationToHead.GRANDCHILD, ("孙", "孙子", "孙女", "外孙", "外孙女", "孙子女")),
    (RelationToHead.GRANDPARENT, ("祖父", "祖母", "外祖父", "外祖母", "爷爷", "奶奶", "外公", "外婆")),
    (RelationToHead.CHILD, ("子", "女", "儿子", "女儿", "子女", "长子", "次子", "长女", "次女", "三子", "三女",
                            "养子", "养女")),
    (RelationToHead.PARENT, ("父", "母", "父亲", "母亲", "父母", "岳父", "岳母", "公公", "婆婆")),
    (RelationToHead.SIBLING, ("兄", "弟", "姐", "妹", "兄弟", "姐妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄弟姐妹")),
]


def _relationship(value: Any) -> str:
    text = re.sub(r"\s", "", _text(value))
    if not text:
        return ""
    for code, words in _RELATIONS:
        if text in words:
            return code
    return RelationToHead.OTHER


_ADDRESS = re.compile(
    r"(?P<estate>.*?[^\d\s])\s*(?P<building>[0-9A-Za-z]+)\s*(?:号楼|幢|栋|号|楼|座)"
    r"\s*(?:(?P<unit>[0-9A-Za-z]+)\s*单元)?\s*(?:(?P<room>[0-9A-Za-z\-]+)\s*(?:室|号|房)?)?")


def split_address(text: str) -> dict[str, str] | None:
    """东升苑5幢2单元102室 → estate 东升苑, building 5, unit 2, room 102; None when it does not read so."""
    found = _ADDRESS.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if not found:
        return None
    return {k: (found[k] or "").strip() for k in ("estate", "building", "unit", "room")}


_PHONE_RUN = re.compile(r"\+?[0-9][0-9()\-— ]{5,}[0-9]")


def _phones(value: Any) -> tuple[list[str], bool]:
    """(the phones found in the cell, in order, in their stored form; whether the cell held anything else)."""
    if isinstance(value, int):
        value = str(value)
    text = unicodedata.normalize("NFKC", _text(value))
    if not text:
        return [], False
    whole = phone_number(text)
    if _is_phone(whole):
        return [whole], False
    found = []
    for run in _PHONE_RUN.findall(text):
        number = phone_number(run.strip())
        if _is_phone(number):
            found.append(number)
        else:  # two mobiles with only a space between: 13912345678 13812345678
            found += [p for p in (phone_number(part) for part in run.split()) if _is_phone(p)]
    return found, True


def _is_phone(stored: str) -> bool:
    try:
        _clean("phone", stored)
    except ValidationError:
        return False
    return True


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _shown(text: str, limit: int = 50) -> str:
    """What a reason or the preview may show of a bad value: no control characters, cut short."""
    return _CONTROL.sub("", text)[:limit]


def _first_error(error: ValidationError) -> str:
    return error.messages[0] if error.messages else "格式不正确。"


# ── the verdict on a row ───────────────────────────────────────────────────────────────────────────────


@dataclass
class _Read:
    row: LedgerRow
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    name: str = ""
    number: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    tags_yes: set[str] = field(default_factory=set)
    tags_no: set[str] = field(default_factory=set)


def classify(*, actor, community: Community, rows: Iterable[LedgerRow]) -> list[RowVerdict]:
    """The verdict on every row (in the order read). Reads only: nothing is written. Queries: three per 1,000
    distinct ID numbers (the keyed look-up, the tags of those found, which of them the actor may see)."""
    today = timezone.localdate()
    reads = [_read(row, today) for row in rows]
    first_seen: dict[str, _Read] = {}
    for r in reads:
        if not r.number:
            continue
        if r.number in first_seen:
            first = first_seen[r.number].row
            where = f"第 {first.row} 行" if first.sheet == r.row.sheet else f"“{first.sheet}”表第 {first.row} 行"
            r.reasons.append(f"与{where}重复")
        else:
            first_seen[r.number] = r
    registered = _registered(actor, list(first_seen))
    verdicts = []
    for r in reads:
        resident = None
        if r.number and not r.reasons:
            found = registered.get(r.number)
            if found is not None:
                resident, visible = found
                if not visible:
                    r.reasons.append(OUTSIDE_SCOPE)
                elif resident.community_id != community.pk:
                    r.reasons.append(f"已在{resident.community.name}登记；导入不会迁移居民，请在该居民页面办理")
                elif resident.status != Status.ACTIVE:
                    r.reasons.append(f"该居民已登记为{resident.get_status_display()}，请在居民页面处理")
        verdicts.append(_verdict(r, resident if not r.reasons else None))
    return verdicts


def _registered(actor, numbers: list[str]) -> dict[str, tuple[Resident, bool]]:
    """number → (the registered resident, whether the actor may see them), found by the keyed index."""
    out: dict[str, tuple[Resident, bool]] = {}
    for start in range(0, len(numbers), 1000):
        chunk = numbers[start:start + 1000]
        indexes = id_number_indexes(chunk)
        found = list(filter_by_id_numbers(Resident.objects.select_related("community"), chunk)
                     .prefetch_related("tag_links"))
        visible = set(Resident.objects.visible_to(actor).filter(pk__in=[r.pk for r in found])
                      .values_list("pk", flat=True))
        for resident in found:
            # Told apart by the keyed index they were found by: no number is decrypted to compare.
            out[indexes[resident.id_number_index]] = (resident, resident.pk in visible)
    return out


def _read(row: LedgerRow, today) -> _Read:
    r = _Read(row=row)
    cells = row.cells
    # The name, through the registry's rule.
    raw_name = cells.get("name")
    if _text(raw_name) == "":
        r.reasons.append("缺少姓名")
    else:
        try:
            r.name = _clean("name", _text(raw_name) if not isinstance(raw_name, str) else raw_name)
            r.data["name"] = r.name
        except ValidationError as e:
            r.name = _shown(_text(raw_name))
            r.reasons.append(f"姓名“{_shown(r.name, 20)}”不是有效姓名：{_first_error(e)}")
    info = _read_id(r, cells.get("id_number"), today)
    if info is not None:
        r.number = info.number
        r.data.update(id_number=info.number, gender=info.gender, birth_date=info.birth_date)
        _check_against_id(r, cells, info, today)
    _read_phone(r, cells.get("phone"))
    _read_address(r, cells)
    _read_tags(r, cells)
    _read_household(r, cells)
    notes = _text(cells.get("notes"))
    if notes:
        r.data["notes"] = (notes + ("\n" + r.data["notes"] if r.data.get("notes") else ""))
    if r.data.get("notes") and len(r.data["notes"]) > _FIELD("notes").max_length:
        r.data["notes"] = r.data["notes"][:_FIELD("notes").max_length]
        r.warnings.append("备注过长，已截取前 2000 字")
    return r


_SCIENTIFIC = re.compile(r"[0-9](?:\.[0-9]+)?[eE]\+?[0-9]{1,3}")


def _read_id(r: _Read, value: Any, today) -> id_numbers.IdInfo | None:
    if value is None or _text(value) == "":
        r.reasons.append("缺少身份证号码")
        return None
    text = unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else ""
    if _SCIENTIFIC.fullmatch(text):  # the number's display, copied back as text: 3.30402E+17
        value = float(text)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if abs(value) >= 1e16:
            # Excel keeps 15 significant digits of a number: 330402193205038104 became 3.30402193205038E+17.
            r.reasons.append(f"身份证号码被 Excel 存成了数字（显示为 {float(value):.14E}），后几位已丢失：请把该列设为"
                             "“文本”格式后，照身份证重新填写")
            return None
        value = str(value)
    try:
        return id_numbers.parse(str(value).strip().strip("'‘’`"), today=today)
    except ValidationError as e:
        r.reasons.append(_first_error(e))
        return None


def _check_against_id(r: _Read, cells: dict[str, Any], info: id_numbers.IdInfo, today) -> None:
    given = _gender(cells.get("gender"))
    if given and given != info.gender:
        r.warnings.append(f"性别列（{Gender(given).label}）与身份证号码不符，以身份证号码为准（{Gender(info.gender).label}）")
    birth = ledger_date(cells.get("birth_date"))
    if birth is not None and not birth.agrees_with(info.birth_date):
        r.warnings.append(f"出生日期列（{birth.day:%Y-%m-%d}）与身份证号码不符，以身份证号码为准")
    age = cells.get("age")
    if isinstance(age, str):
        digits = re.sub(r"\s|岁|周岁", "", unicodedata.normalize("NFKC", age))
        age = int(digits) if digits.isascii() and digits.isdigit() else None
    if isinstance(age, (int, float)) and not isinstance(age, bool):
        real = id_numbers.age_between(info.birth_date, today)
        if not -1 <= age - real <= 2:
            r.warnings.append("年龄列已过时，已按身份证号码计算")


def _read_phone(r: _Read, value: Any) -> None:
    phones, mixed = _phones(value)
    if not phones:
        if _text(value):
            r.warnings.append("联系电话无法识别（须为 11 位手机号或带区号的固定电话），未导入")
        return
    r.data["phone"] = phones[0]
    others = [p for p in phones[1:] if p != phones[0]]
    if others:
        r.data["notes"] = "另一联系电话：" + "、".join(others)
        r.warnings.append(f"联系电话填了 {len(others) + 1} 个号码：已取第一个，"
                          f"其余（{'、'.join(id_numbers.mask_phone(p) for p in others)}）记入备注")


def _read_address(r: _Read, cells: dict[str, Any]) -> None:
    parts = {k: _text(cells.get(k)) for k in ("estate", "building", "unit", "room")}
    whole = _text(cells.get("address"))
    if whole and not any(parts.values()):
        split = split_address(whole)
        if split is None:
            parts["estate"] = whole
            r.warnings.append("住址无法拆分为小区、楼栋、单元、房号，已整段记入小区，请核对")
        else:
            parts = split
    for name, value in parts.items():
        if not value:
            continue
        try:
            r.data[name] = _clean(name, value)
        except ValidationError as e:
            r.warnings.append(f"{_FIELD(name).verbose_name}“{_shown(value, 30)}”未导入：{_first_error(e)}")


def _read_tags(r: _Read, cells: dict[str, Any]) -> None:
    marks_case = False
    for code in IMPORTABLE_TAGS:
        if code in cells:
            _mark(r, code, cells[code], Tag(code).label)
    if PARTIAL_CARE in cells and yes_mark(cells[PARTIAL_CARE]):
        r.tags_yes.add(Tag.DISABLED_CARE)
        r.tags_no.discard(Tag.DISABLED_CARE)
        r.data["care_dependency"] = CareDependency.PARTIAL
    elif Tag.DISABLED_CARE in r.tags_yes:
        text = _text(cells.get(Tag.DISABLED_CARE))
        r.data["care_dependency"] = CareDependency.PARTIAL if "半" in text else CareDependency.FULL
    for code in CASE_MARKS:
        if code in cells and yes_mark(cells[code]) is not False:
            marks_case = True
    categories = _text(cells.get("categories"))
    if categories:
        for word in re.split(r"[、，,；;/／\s]+", unicodedata.normalize("NFKC", categories)):
            if not word:
                continue
            if any(word in words for words in CASE_MARKS.values()):
                marks_case = True
                continue
            code = next((c for c in IMPORTABLE_TAGS if word == Tag(c).label or word in TAG_SYNONYMS.get(c, ())), None)
            if code:
                r.tags_yes.add(code)
                r.tags_no.discard(code)
                if code == Tag.DISABLED_CARE:
                    r.data["care_dependency"] = CareDependency.PARTIAL if "半" in word else CareDependency.FULL
            elif word == "半失能":
                r.tags_yes.add(Tag.DISABLED_CARE)
                r.data["care_dependency"] = CareDependency.PARTIAL
            else:
                r.warnings.append(f"人员类别“{_shown(word, 20)}”不是系统中的类别，未设置")
    if marks_case:
        r.warnings.append(CASE_MESSAGE)
    r.data["tags"] = sorted(r.tags_yes)


def _mark(r: _Read, code: str, value: Any, label: str) -> None:
    mark = yes_mark(value)
    if mark is None:
        text = _text(value)
        if text == label or text in TAG_SYNONYMS.get(code, ()) or "半失能" in text or text == "失能":
            mark = True  # the column's own word written in it
        else:
            r.warnings.append(f"“{label}”列的“{_shown(text, 20)}”不是“是/否”标记，未设置该类别")
            return
    (r.tags_yes if mark else r.tags_no).add(code)


def _read_household(r: _Read, cells: dict[str, Any]) -> None:
    relationship = _relationship(cells.get("relationship"))
    head = None
    if "household_head" in cells:
        value = cells["household_head"]
        mark = yes_mark(value)
        if mark is None:  # a 户主 column holding the head's name
            head = person_name_equal(_text(value), r.name)
        else:
            head = mark if _text(value) else None
    if relationship == RelationToHead.SELF:
        head = True
    elif relationship and head is None:
        head = False
    if head and not relationship:
        relationship = RelationToHead.SELF
    r.data["household_head"] = head
    r.data["relationship"] = relationship


def person_name_equal(a: str, b: str) -> bool:
    from jiedao.text import person_name

    return bool(a) and person_name(a) == person_name(b)


_COMPARED = ("name", "phone", "estate", "building", "unit", "room", "notes", "care_dependency")


def _verdict(r: _Read, resident: Resident | None) -> RowVerdict:
    row = r.row
    if r.reasons:
        return RowVerdict(sheet=row.sheet, row=row.row, outcome="rejected", reasons=r.reasons + r.warnings,
                          name=r.name, id_number=r.number, data={}, changes={}, resident_id=None)
    changes: dict[str, list] = {}
    if resident is not None:
        for name in _COMPARED:
            new = r.data.get(name)
            if new in (None, ""):
                continue  # a blank cell erases nothing
            old = getattr(resident, name)
            if old != new:
                changes[name] = [old, new]
        if r.data.get("relationship") and r.data["relationship"] != resident.relation_to_head:
            changes["relation_to_head"] = [resident.relation_to_head, r.data["relationship"]]
        if "name" in changes:
            # The same number under another name: a typo in the number may have hit someone else.
            r.warnings.append(f"姓名与已登记的“{resident.name}”不同，将改为“{r.name}”：请核对身份证号码是否填错")
        old_tags = sorted(link.tag for link in resident.tag_links.all())
        new_tags = sorted((set(old_tags) | r.tags_yes) - r.tags_no)
        if new_tags != old_tags:
            changes["tags"] = [old_tags, new_tags]
        r.data["tags"] = new_tags
    action = "update" if resident is not None else "new"
    outcome = "warning" if r.warnings else action
    return RowVerdict(sheet=row.sheet, row=row.row, outcome=outcome, reasons=list(r.warnings), name=r.name,
                      id_number=r.number, data=r.data, changes=changes,
                      resident_id=resident.pk if resident is not None else None,
                      warnings_only=bool(r.warnings), action=action)
