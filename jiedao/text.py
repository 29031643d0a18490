"""Names and address parts as people type them, stored once in one form.

A name on an ID card is Chinese characters (any CJK block: 𠮷 is in extension B), the middle dot of
ethnic names (阿卜杜·艾力, typed as •, ・ or ·), or Latin letters on a foreigner's card; never an emoji,
digits or markup. A place (a grid, a community, an estate) may also have digits and common brackets.
An address part is stored without the word that the address adds itself (3号楼 → 3, 2单元 → 2, 501室 → 501),
so that 和平里一区3号楼2单元501室 is written once whatever was typed.

A phone is a mainland mobile (11 digits, 1[3-9]…) or a landline with its area code, typed with full-width
digits, spaces, dashes or brackets as people do (１３９ １２３４ ５６７８, (010)6400-0001, +86 139…); it is
stored in one form (13912345678, 010-64000001) so that its keyed index meets the index of what a search types.

Each rule is a model field whose to_python() normalises and checks, so the form, the API and an import all
meet it through the model's full_clean(), with the message at the field.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models

from jiedao.crypto import EncryptedCharField

_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
# What keyboards give for the middle dot (after NFKC, which turns the half-width ･ into ・ and ． into .).
_MIDDLE_DOTS = str.maketrans({"•": "·", "・": "·", "‧": "·", "∙": "·", ".": "·"})
_PERSON = re.compile(rf"[{_CJK}A-Za-z]+(?:[· ][{_CJK}A-Za-z]+)*")
_PLACE = re.compile(rf"[{_CJK}A-Za-z0-9０-９Ａ-Ｚａ-ｚ·\- －—_()（）\[\]【】#＃/／、,，.。]+")
_ADDRESS_PART = re.compile(rf"[{_CJK}A-Za-z0-9\-]+")

PERSON_MESSAGE = "姓名只能包含汉字、间隔号“·”（少数民族姓名）和英文字母（外籍证件），不能有表情、数字或其他符号。"
PLACE_MESSAGE = "名称只能包含汉字、字母、数字和常用标点（· - ( ) # / 、），不能有表情或其他符号。"
PHONE_MESSAGE = "电话须为 11 位手机号（如 13912345678）或带区号的固定电话（如 010-64000001）。"
ADDRESS_PART_MESSAGE = "只能填写数字、字母或汉字（如 3、A、东），不要带表情或符号。"


def person_name(value: str) -> str:
    name = unicodedata.normalize("NFKC", value).translate(_MIDDLE_DOTS).strip()
    return re.sub(r" {2,}", " ", name)


def place_name(value: str) -> str:
    return value.strip()


# Area codes: 010 and 02x have three digits, every other one four (0571, 0898); the number after it 7–8.
_LANDLINE = re.compile(r"(0(?:10|2\d|[3-9]\d{2}))(\d{7,8})")
_PHONE = re.compile(r"1[3-9]\d{9}|0(?:10|2\d|[3-9]\d{2})-\d{7,8}")
_PHONE_SEPARATORS = re.compile(r"[\s\-()—]")


def phone_number(value: str) -> str:
    """`value` in its stored form: 13912345678 or 010-64000001 (what is not a phone comes back unchecked)."""
    if len(value) == 11 and value[0] == "1" and value.isascii() and value.isdigit():
        return value  # a mobile as stored already (a seed's million of them): nothing below would change it
    digits = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", value))
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits.removeprefix(prefix)
    landline = _LANDLINE.fullmatch(digits)
    return f"{landline[1]}-{landline[2]}" if landline else digits


def is_phone(value: str) -> bool:
    return bool(_PHONE.fullmatch(phone_number(value)))


def is_mobile(value: str) -> bool:
    """A mainland mobile however typed (what a text message can reach)."""
    return bool(re.fullmatch(r"1[3-9]\d{9}", phone_number(value)))


def check_phone(value: str) -> None:
    """The phone rule as a validator (the API's serializers run it on what was sent)."""
    if value and not is_phone(value):
        raise ValidationError(PHONE_MESSAGE, code="invalid")


def address_part(value: str, suffixes: tuple[str, ...]) -> str:
    part = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
    for suffix in suffixes:  # longest first: 号楼 before 号
        if part.endswith(suffix) and len(part) > len(suffix):
            return part.removesuffix(suffix)
    return part


class _NormalisedCharField(models.CharField):
    """to_python() stores what was typed in its one form (full_clean calls it for the form, the API and an
    import alike); the validator checks that form. The API's serializer runs the validator on the raw
    value, so it normalises first too. Queries and saves compare values as stored (get_prep_value skips
    the normalising), so no look-up is changed or refused by it."""

    pattern: re.Pattern
    message: str

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators.append(self._check)

    def _check(self, value):
        if value and not self.pattern.fullmatch(self.normalise(value)):
            raise ValidationError(self.message, code="invalid")

    def to_python(self, value):
        value = super().to_python(value)
        return value if value is None else self.normalise(value)

    def get_prep_value(self, value):
        value = models.Field.get_prep_value(self, value)
        return value if value is None else str(value)

    def normalise(self, value: str) -> str:
        raise NotImplementedError


class PersonNameField(_NormalisedCharField):
    pattern, message = _PERSON, PERSON_MESSAGE

    def normalise(self, value):
        return person_name(value)


class PlaceNameField(_NormalisedCharField):
    pattern, message = _PLACE, PLACE_MESSAGE

    def normalise(self, value):
        return place_name(value)


class AddressPartField(_NormalisedCharField):
    """楼栋, 单元 or 房号: `suffixes` are the words join_address() adds, taken off what was typed."""

    pattern, message = _ADDRESS_PART, ADDRESS_PART_MESSAGE

    def __init__(self, *args, suffixes: tuple[str, ...] = (), **kwargs):
        self.suffixes = tuple(sorted(suffixes, key=len, reverse=True))
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.suffixes:
            kwargs["suffixes"] = self.suffixes
        return name, path, args, kwargs

    def normalise(self, value):
        return address_part(value, self.suffixes)


class PhoneField(_NormalisedCharField):
    pattern, message = _PHONE, PHONE_MESSAGE

    def normalise(self, value):
        return phone_number(value)


class EncryptedPhoneField(EncryptedCharField):
    """A phone stored encrypted, in its one form. pre_save normalises too, so that a writer that skips
    full_clean() (a service, an import) still stores and indexes 13912345678, never ' 139 1234 5678'."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators.append(check_phone)

    def to_python(self, value):
        value = super().to_python(value)
        return value if value is None else phone_number(value)

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if value:
            setattr(model_instance, self.attname, phone_number(value))
        return super().pre_save(model_instance, add)


def normalise_stored_phones(model, name: str, *, using: str) -> int:
    """Rewrites the phones of `model.name` typed before the rule into its one form (a migration's job; what
    is not a phone stays as it is, to be corrected at its next edit). Returns how many changed."""
    field = model._meta.get_field(name)
    columns = [name, *filter(None, [getattr(field, "blind_index", ""), getattr(field, "last4_index", "")])]
    changed = 0
    for row in model._base_manager.using(using).exclude(**{name: ""}).only(*columns).iterator(chunk_size=2000):
        value = getattr(row, name)
        if phone_number(value) != value and is_phone(value):
            setattr(row, name, phone_number(value))
            row.save(using=using, update_fields=columns)  # pre_save fills the keyed indexes
            changed += 1
    return changed
