"""Full ID numbers and phone numbers (and a rating link's token) never reach a log line or an audit entry:
wherever one could travel (a search, a failed login's username, a phone field, a query string, a Referer), it
is masked here first.

The masks keep the last four digits, which is all a search by part of a number may use.
"""

import re
from typing import Any

# 18-character resident ID numbers (GB 11643: 17 digits and a digit or X), standing alone in the text;
# mainland mobiles (1[3-9] and 9 more digits); landlines with an area code (0 and 9 to 11 more digits).
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<![0-9A-Za-z])(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?![0-9A-Za-z])")


# The rating link the portal texts to residents, /r/<token>/ (jiedao/urls.py): its token opens a page without
# signing in, so a log line (the text's, a request's) keeps its first two characters only.
_LINK_TOKEN = re.compile(r"(/r/)([A-Za-z0-9_-]{2})[A-Za-z0-9_-]+")  # "+": a line masked already stays as it is


def _keep_last4(match: re.Match) -> str:
    number = match.group(0)
    digits = [c for c in number if c.isalnum()]
    return "*" * (len(digits) - 4) + "".join(digits[-4:])


def redact(text: str) -> str:
    """`text` with every full ID number and phone number masked to its last four, and a rating link's token
    to its first two characters."""
    if text and "/r/" in text:
        text = _LINK_TOKEN.sub(lambda m: f"{m[1]}{m[2]}…", text)
    if not text or not any(c.isdigit() for c in text):
        return text
    return _PHONE.sub(_keep_last4, _ID_NUMBER.sub(_keep_last4, text))


def redact_data(value: Any) -> Any:
    """The same, through the strings of a JSON-like value (dicts, lists)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(item) for item in value]
    return value


class RedactFilter:
    """A logging filter: the formatted message of each record, numbers masked (Django's request lines,
    an exception's text, anything an app logs)."""

    def filter(self, record) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
