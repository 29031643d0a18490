"""Names and address parts as people type them, stored once in one form.

A name on an ID card is Chinese characters (any CJK block: 𠮷 is in extension B), the middle dot of
ethnic names (阿卜杜·艾力, typed as •, ・ or ·), or Latin letters on a foreigner's card; never an emoji,
digits or markup. A place (a grid, a community, an estate) may also have digits and common brackets.
An address part is stored without the word that the address adds itself (3号楼 → 3, 2单元 → 2, 501室 → 501),
so that 和平里一区3号楼2单元501室 is written once whatever was typed.

Each rule is a model field whose to_python() normalises and checks, so the form, the API and an import all
meet it through the model's full_clean(), with the message at the field.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models

_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
# What keyboards give for the middle dot (after NFKC, which turns the half-width ･ into ・ and ． into .).
_MIDDLE_DOTS = str.maketrans({"•": "·", "・": "·", "‧": "·", "∙": "·", ".": "·"})
_PERSON = re.compile(rf"[{_CJK}A-Za-z]+(?:[· ][{_CJK}A-Za-z]+)*")
_PLACE = re.compile(rf"[{_CJK}A-Za-z0-9０-９Ａ-Ｚａ-ｚ·\- －—_()（）\[\]【】#＃/／、,，.。]+")
_ADDRESS_PART = re.compile(rf"[{_CJK}A-Za-z0-9\-]+")

PERSON_MESSAGE = "姓名只能包含汉字、间隔号“·”（少数民族姓名）和英文字母（外籍证件），不能有表情、数字或其他符号。"
PLACE_MESSAGE = "名称只能包含汉字、字母、数字和常用标点（· - ( ) # / 、），不能有表情或其他符号。"
ADDRESS_PART_MESSAGE = "只能填写数字、字母或汉字（如 3、A、东），不要带表情或符号。"


def person_name(value: str) -> str:
    name = unicodedata.normalize("NFKC", value).translate(_MIDDLE_DOTS).strip()
    return re.sub(r" {2,}", " ", name)


def place_name(value: str) -> str:
    return value.strip()


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
