"""What a user reads when a form refuses them is the portal's own plain Chinese, never Django's stock
translation (`确保该变量包含不超过 50 字符`, `确认总共不超过 10 个数字.`, `指明用户是否被认为是活跃的…`)."""

import re
from pathlib import Path

import django
import polib
import pytest
from django import forms
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from residents.models import Community

OURS = Path(settings.BASE_DIR) / "locale/zh_Hans/LC_MESSAGES/django"
DJANGO = Path(django.__file__).parent
# Where a message Django shows a user comes from: validators, form and model fields, model forms,
# formsets, and the account forms and password rules of django.contrib.auth.
USER_FACING = [
    (DJANGO / "conf/locale/en/LC_MESSAGES/django.po",
     r"(core/validators|forms/(fields|models|formsets)|db/models/(fields/.*|base))\.py"),
    (DJANGO / "contrib/auth/locale/en/LC_MESSAGES/django.po",
     r"contrib/auth/(forms|models|password_validation|validators)\.py"),
]


def _our_entries():
    return polib.pofile(str(OURS.with_suffix(".po")))


def test_every_message_and_help_text_django_would_show_a_user_is_the_portals_own():
    ours = {entry.msgid for entry in _our_entries()}
    missing = []
    for catalog, sources in USER_FACING:
        for entry in polib.pofile(str(catalog)):
            # Sentences are messages and help texts; the rest are field labels and type names.
            said_to_a_user = entry.msgid.rstrip().endswith(".")
            if said_to_a_user and any(re.fullmatch(sources, path) for path, _ in entry.occurrences):
                if entry.msgid not in ours:
                    missing.append(entry.msgid)
    assert missing == []


def test_django_reads_the_portals_catalog_before_its_own():
    with translation.override("zh-hans"):
        for entry in _our_entries():
            if entry.msgid_plural:
                assert translation.ngettext(entry.msgid, entry.msgid_plural, 2) == entry.msgstr_plural[0]
            else:
                assert translation.gettext(entry.msgid) == entry.msgstr, entry.msgid


def test_the_compiled_catalog_is_the_source_catalog():
    compiled = {(e.msgid, e.msgstr or e.msgstr_plural.get(0)) for e in polib.mofile(str(OURS.with_suffix(".mo")))}
    source = {(e.msgid, e.msgstr or e.msgstr_plural.get(0)) for e in _our_entries()}
    assert source <= compiled, "run `make messages` after editing the .po"


@pytest.mark.parametrize("field, value, said", [
    (forms.CharField(max_length=50), "长" * 51, "最多填写 50 个字（现在 51 个），请删减。"),
    (forms.DecimalField(max_digits=10, decimal_places=2), "123456789.1", "数字太大：整数部分最多 8 位。"),
    (forms.DecimalField(max_digits=10, decimal_places=2), "1.234", "最多保留 2 位小数。"),
    (forms.DateField(), "2026-13-45", "请按 年-月-日 填写日期，如 2026-12-01。"),
    (forms.IntegerField(max_value=200), "300", "不能大于 200。"),
    (forms.CharField(), "", "此项必须填写。"),
    (forms.ChoiceField(choices=[("a", "甲")]), "b", "“b”不在可选范围内，请从列表中选择。"),
])
def test_a_refused_value_is_told_in_the_portals_words(field, value, said):
    with translation.override("zh-hans"), pytest.raises(forms.ValidationError) as refused:
        field.clean(value)
    assert refused.value.messages == [said]


@pytest.mark.django_db
def test_a_community_name_too_long_is_refused_in_plain_words(web, admin):
    page = web.as_(admin).post(reverse("manage:community_create"), {
        "name": "东" * 51, "code": "", "address": "", "phone": ""})
    assert page.context["form"].errors["name"] == ["最多填写 50 个字（现在 51 个），请删减。"]
    assert not Community.objects.filter(name="东" * 51).exists()


@pytest.mark.django_db
def test_the_account_form_says_what_turning_an_account_off_means(web, security):
    page = web.as_(security).get(reverse("manage:user_create")).content.decode()
    assert "人员离岗时停用账号，不要删除" in page and "指明用户是否" not in page


@pytest.mark.django_db
def test_a_form_posted_from_a_stale_page_is_told_the_page_expired(staff_east):
    browser = Client(enforce_csrf_checks=True)
    page = browser.post(reverse("login"), {"username": "wangli", "password": "x"})
    assert page.status_code == 403
    text = page.content.decode()
    assert "页面已过期" in text and "CSRF" not in text and "Referer" not in text
