"""居民身份证号 (GB 11643): normalisation, validation and what the number tells.

The rules as checked on these machines (docs/stack-notes.md): 18 characters, ISO 7064 MOD 11-2
check digit, a real birth date between 1900-01-01 and today. The region code is never a reason to
refuse: numbers are issued at registration, often years after the code changed, and 9xxxxx
(foreigners' permanent residence cards) and 81/82/83 (HK/Macao/Taiwan permits) use the same scheme.
"""

import operator
from dataclasses import dataclass
from datetime import date
from functools import cache

from django.core.exceptions import ValidationError
from django.utils import timezone

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK_CHARS = "10X98765432"
# Full-width digits and X, as typed by Chinese input methods.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")
EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: date
    gender: str  # "M" or "F"


def normalize(raw: str) -> str:
    """Strip spaces, read full-width digits as digits and 'x' as 'X'."""
    return "".join(str(raw or "").translate(_FULL_WIDTH).split()).upper()


# What the weights add up to over seventeen "0"s (ASCII 48): check_char weighs the bytes and takes it off.
_ZERO_WEIGHT = 48 * sum(_WEIGHTS)


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of 17 ASCII digits."""
    digits = first17.encode("ascii")
    if len(digits) != 17:
        raise ValueError("check_char takes 17 digits")
    return _CHECK_CHARS[(sum(map(operator.mul, digits, _WEIGHTS)) - _ZERO_WEIGHT) % 11]


def parse(raw: str, *, today: date | None = None) -> IdInfo:
    """Validate an ID number and return what it says; raise ValidationError naming what is wrong."""
    number = normalize(raw)
    if len(number) != 18:
        raise ValidationError(
            "身份证号应为 18 位，当前为 %(n)d 位。", code="length", params={"n": len(number)}
        )
    # ASCII digits: "¹".isdigit() is True yet int() refuses it, and int() reads "١" (Arabic-Indic) as 1.
    if not number.isascii() or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError("身份证号前 17 位应为数字，最后一位为数字或 X。", code="characters")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            "身份证号中的出生日期 %(d)s 不是有效日期。", code="date", params={"d": number[6:14]}
        ) from None
    today = today or timezone.localdate()
    if not EARLIEST_BIRTH <= birth <= today:
        raise ValidationError(
            "身份证号中的出生日期 %(d)s 不在 1900 年至今天之间。", code="date", params={"d": birth.isoformat()}
        )
    if number[17] != check_char(number[:17]):
        # Not "the last digit should be …": the typo is more often in the first 17 digits, and the
        # hint would turn a caught typo into a valid-looking wrong number.
        raise ValidationError("身份证号校验位不符：号码中有数字输错，请对照身份证逐位核对。", code="checksum")
    return IdInfo(number=number, birth_date=birth, gender="M" if int(number[16]) % 2 else "F")


def mask(number: str) -> str:
    """110101********1234: the region and the last four stay, the birth date goes."""
    if not number:
        return ""
    return number[:6] + "*" * 8 + number[-4:] if len(number) == 18 else "*" * len(number)


def mask_phone(phone: str) -> str:
    """139****5678 for mobiles; other numbers keep only their last four."""
    if not phone:
        return ""
    if len(phone) == 11:
        return phone[:3] + "****" + phone[-4:]
    return "*" * max(len(phone) - 4, 0) + phone[-4:]


def make(region: str, birth: date, sequence: int, *, female: bool) -> str:
    """Build a valid number (demo data and tests): sequence 0–999, its parity set by sex."""
    seq = sequence - sequence % 2 + (0 if female else 1)
    seq %= 1000
    first17 = f"{region}{_digits(birth)}{seq:03d}"
    return first17 + check_char(first17)


@cache
def _digits(birth: date) -> str:
    # strftime is a third of make(); a district's million numbers have some 36,000 birth dates.
    return f"{birth:%Y%m%d}"


# Lists and exports show an age as its five-year band: beside the masked number (region and last four, which
# hold the check digit), an exact age leaves about 33 birth dates for one region code — a band of five
# years about 166, so no row narrows a number to fewer than 50 people (tests/residents/test_masking.py).
AGE_BAND_YEARS = 5


def age_band(age: int | None) -> str:
    """80 → "80–84岁"."""
    if age is None:
        return ""
    low = age - age % AGE_BAND_YEARS
    return f"{low}–{low + AGE_BAND_YEARS - 1}岁"


def age_between(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
