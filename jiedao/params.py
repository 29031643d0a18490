"""What a request may carry: whole numbers as the portal reads them, and no control characters.

Python's own tests are too kind for input. `"²".isdigit()` and `"３".isdigit()` are both True (int() refuses
the first and reads the second as 3), and int() of 5,000 digits raises. A NUL byte is a character like any
other until PostgreSQL refuses it in a text column or a JSON value, after the rows were already read and
the audit entry was about to be written. So:

- every whole number read straight from a query string or a form goes through `positive_int()`;
- control characters are refused before any view sees them: `RefuseControlCharactersMiddleware` for the
  query string and form posts, `jiedao.parsers` for API bodies (JSON, form, multipart).
"""

import re

from django.http import JsonResponse
from django.shortcuts import render

# The largest id a database column holds (a signed 64-bit integer).
MAX_ID = 2**63 - 1
_ASCII_NUMBER = re.compile(r"[0-9]{1,19}")

# C0 controls but tab, line feed and carriage return (which text areas send), DEL, and the halves of a
# character that no encoder can write (a JSON body may say "\ud800").
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
CONTROL_MESSAGE = "内容含有不可见的控制字符（如 NUL），无法处理。请删除后重新输入。"


def positive_int(raw, *, maximum: int = MAX_ID) -> int | None:
    """`raw` as a whole number from 1 to `maximum` written in ASCII digits; None for anything else."""
    if not isinstance(raw, str) or not _ASCII_NUMBER.fullmatch(raw):
        return None
    value = int(raw)
    return value if 1 <= value <= maximum else None


def holds_control_characters(value) -> bool:
    """A control character anywhere in `value`: a string, or what a JSON body decodes to, however deep."""
    if isinstance(value, str):
        return _CONTROL.search(value) is not None
    if isinstance(value, dict):
        return any(holds_control_characters(k) or holds_control_characters(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(holds_control_characters(v) for v in value)
    return False


def field_with_control_characters(data) -> str | None:
    """The name of the first field of `data` (a QueryDict, or a decoded JSON body) that holds a control
    character; "detail" when one is in a name, or the body is no object of fields."""
    if hasattr(data, "lists"):
        fields = data.lists()
    elif isinstance(data, dict):
        fields = data.items()
    else:
        return "detail" if holds_control_characters(data) else None
    for name, value in fields:
        if holds_control_characters(name):
            return "detail"
        if holds_control_characters(value):
            return str(name)[:50]
    return None


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RefuseControlCharactersMiddleware:
    """A query string or a form post holding a control character answers 400 with a Chinese message:
    nothing past here (filters, forms, the audit log, the database) meets one.

    An API body in JSON is the parsers' (jiedao.parsers): DRF reads it, not Django.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = field_with_control_characters(request.GET)
        if name is None and request.method == "POST" and request.content_type in _FORM_TYPES:
            name = field_with_control_characters(request.POST)
        if name is not None:
            return refused(request, name)
        return self.get_response(request)


def refused(request, name: str):
    if request.path.startswith("/api/"):
        return JsonResponse({name: [CONTROL_MESSAGE]}, status=400, json_dumps_params={"ensure_ascii": False})
    return render(request, "400.html", {"message": CONTROL_MESSAGE}, status=400)
