"""The password policy (等保 身份鉴别), as Django's AUTH_PASSWORD_VALIDATORS: each rule a class with a Chinese
message, run by every form that sets a password (an administrator's, the holder's own) and by seed_demo.

At least 10 characters from three of the four classes, not the account's name or its holder's (in pinyin
too), not a common password even dressed up (`P@ssw0rd2026`, `Welcome!2026`), not the product's or an
office's name (`Jiedao2026`, `hepingli@2025`), not one of the account's last PASSWORD_HISTORY.
"""

import re

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from pypinyin import lazy_pinyin

from .models import User


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule with a Chinese message (its zh-hans catalogue lacks this plural form)."""

    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(f"密码太短，至少需要 {self.min_length} 个字符。", code="password_too_short")

    def get_help_text(self):
        return f"密码至少需要 {self.min_length} 个字符。"


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digits and the rest (symbols, Chinese) the password uses."""
    return sum([any(c.islower() for c in password), any(c.isupper() for c in password),
                any(c.isdigit() for c in password), any(not c.isalnum() or ord(c) > 127 for c in password)])


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(f"密码须包含小写字母、大写字母、数字、符号中的至少 {self.min_classes} 类。",
                                  code="password_too_simple")

    def get_help_text(self):
        return f"须包含小写字母、大写字母、数字、符号中的至少 {self.min_classes} 类。"


# How people dress a word up: P@ssw0rd is password, J1edao is jiedao.
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})


def _forms(text: str) -> set[str]:
    lowered = text.lower()
    return {lowered, lowered.translate(_LEET)}


def pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text)).lower()


class UsernameValidator:
    """Neither the account's name nor its holder's (王丽 → wangli) anywhere in the password."""

    def validate(self, password, user=None):
        if user is None:
            return
        names = {user.get_username().lower(), pinyin(user.first_name or ""), pinyin(user.last_name or "")}
        forms = _forms(password)
        if any(len(name) >= 3 and any(name in form for form in forms) for name in names):
            raise ValidationError("密码不能包含用户名或姓名（含拼音）。", code="password_has_username")

    def get_help_text(self):
        return "不能包含用户名或姓名。"


# Words Chinese users reach for that Django's list (English) lacks.
_CHINESE_COMMON = {"woaini", "nihao", "zhangsan", "lisi", "wangwu", "mima", "wodemima", "aini", "zhongguo",
                   "beijing", "shanghai", "qwe", "asd", "zxc", "abc"}


class CommonPasswordValidator(password_validation.CommonPasswordValidator):
    """Django's list of 20,000, also against the word behind the decoration: `Welcome@2026` is `welcome`,
    `P@ssw0rd!` is `password`, `Qwer1234!@#$` is `qwer`."""

    def validate(self, password, user=None):
        candidates = set()
        for form in _forms(password):
            candidates.add(form)
            base = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", form)  # digits and symbols around the word
            if len(base) >= 3:
                candidates.add(base)
            letters = re.sub(r"[^a-z]", "", form)
            if len(letters) >= 6:
                candidates.add(letters)
        if candidates & (self.passwords | _CHINESE_COMMON):
            raise ValidationError("密码太常见（或只是常见密码加上数字、符号），请换一个。", code="password_too_common")

    def get_help_text(self):
        return "不能是常见密码。"


def office_names() -> set[str]:
    """The product's and the offices' names a password may not contain: PASSWORD_BANNED_WORDS and every
    sub-district's name (和平里街道: 和平里, hepingli), which staff reach for with a year after it."""
    words = {w.lower() for w in settings.PASSWORD_BANNED_WORDS}
    # The base names residents' places only through the account's foreign key (the layering contract).
    subdistricts = User._meta.get_field("subdistrict").related_model.objects.values_list("name", flat=True)
    for name in subdistricts:
        short = re.sub(r"(街道办事处|街道|办事处)$", "", name) or name
        words |= {short, pinyin(short)}
    return {w for w in words if len(w) >= 2 and not (w.isascii() and len(w) < 3)}


class OfficeNameValidator:
    def validate(self, password, user=None):
        forms = _forms(password)
        if any(word in form for word in office_names() for form in forms):
            raise ValidationError("密码不能包含系统或单位的名称（如 jiedao、街道名称及其拼音）。",
                                  code="password_has_office_name")

    def get_help_text(self):
        return "不能包含系统或单位的名称。"


class PasswordHistoryValidator:
    """Not one of the account's last PASSWORD_HISTORY passwords (their hashes are kept:
    jiedao.models.PasswordHistory, written whenever a password is saved)."""

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        hashes = list(user.password_history.values_list("password", flat=True)[:settings.PASSWORD_HISTORY])
        if user.password and user.password not in hashes:
            hashes.append(user.password)  # an account older than the history
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(f"不能使用最近 {settings.PASSWORD_HISTORY} 次用过的密码。", code="password_reused")

    def get_help_text(self):
        return f"不能与最近 {settings.PASSWORD_HISTORY} 次的密码相同。"
