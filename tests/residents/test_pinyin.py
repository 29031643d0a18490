import pytest

from residents.pinyin import name_keys


@pytest.mark.parametrize("name, full, initials", [
    ("张春露", "zhangchunlu", "zcl"),
    ("单田芳", "shantianfang", "stf"),   # 单 as a surname is shan, not dan
    ("曾志伟", "zengzhiwei", "zzw"),
    ("解小东", "xiexiaodong", "xxd"),
    ("欧阳娜娜", "ouyangnana", "oynn"),
    ("尉迟恭", "yuchigong", "ycg"),
    ("John Smith", "johnsmith", "js"),
    ("阿依古丽·Ali", "ayiguliali", "aygla"),
    ("김민수", "", ""),
])
def test_names_are_keyed_by_full_pinyin_and_initials_with_surname_readings(name, full, initials):
    assert name_keys(name) == (full, initials)
