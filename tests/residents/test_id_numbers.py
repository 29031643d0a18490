from datetime import date

import pytest
from django.core.exceptions import ValidationError

from residents import id_numbers

TODAY = date(2026, 11, 22)


def test_the_standards_own_example_is_valid_and_tells_birth_and_sex():
    info = id_numbers.parse("11010519491231002X", today=TODAY)
    assert info.birth_date == date(1949, 12, 31)
    assert info.gender == "F"  # 17th digit 2 is even


def test_lower_case_x_and_full_width_digits_and_spaces_are_read_as_typed_on_a_phone():
    assert id_numbers.parse("11010519491231002x", today=TODAY).number == "11010519491231002X"
    assert id_numbers.parse("１１０１０５１９４９１２３１００２Ｘ", today=TODAY).number == "11010519491231002X"
    assert id_numbers.parse(" 110105 19491231 002X ", today=TODAY).number == "11010519491231002X"


@pytest.mark.parametrize("raw, code, words", [
    ("1101051949123100", "length", "18 位"),
    ("11010519491231002X1", "length", "18 位"),
    ("11010519491331002X", "date", "出生日期"),   # month 13
    ("11010519490229002X", "date", "出生日期"),   # 1949 was no leap year
    ("11010518991231002X", "date", "1900"),       # before 1900
    ("11010520991231002X", "date", "1900"),       # in the future
    ("110105194912310021", "checksum", "校验位"),
    ("11010519491231X02X", "characters", "数字"),
])
def test_a_bad_number_says_what_is_wrong(raw, code, words):
    with pytest.raises(ValidationError) as caught:
        id_numbers.parse(raw, today=TODAY)
    assert caught.value.code == code
    assert words in caught.value.messages[0]


@pytest.mark.parametrize("region", ["110105", "990000", "910000", "810000", "820000", "830000", "000000"])
def test_the_region_code_is_never_a_reason_to_refuse(region):
    number = id_numbers.make(region, date(1980, 6, 15), 123, female=False)
    assert id_numbers.parse(number, today=TODAY).gender == "M"


def test_a_number_born_today_is_accepted_and_one_born_tomorrow_is_not():
    assert id_numbers.parse(id_numbers.make("110105", TODAY, 2, female=True), today=TODAY)
    with pytest.raises(ValidationError):
        id_numbers.parse(id_numbers.make("110105", date(2026, 11, 23), 2, female=True), today=TODAY)


def test_masking_keeps_region_and_last_four_and_hides_the_birth_date():
    assert id_numbers.mask("11010519491231002X") == "110105********002X"
    assert id_numbers.mask_phone("13912345678") == "139****5678"
    assert id_numbers.mask_phone("010-64210001") == "********0001"
    assert id_numbers.mask("") == "" and id_numbers.mask_phone("") == ""
