"""What a request may carry: whole numbers as the portal reads them.

Python's own tests are too kind for input. `"²".isdigit()` and `"３".isdigit()` are both True (int() refuses
the first and reads the second as 3), and int() of 5,000 digits raises. So every whole number read straight
from a query string or a form goes through `positive_int()`.
"""

import re

# The largest id a database column holds (a signed 64-bit integer).
MAX_ID = 2**63 - 1
_ASCII_NUMBER = re.compile(r"[0-9]{1,19}")


def positive_int(raw, *, maximum: int = MAX_ID) -> int | None:
    """`raw` as a whole number from 1 to `maximum` written in ASCII digits; None for anything else."""
    if not isinstance(raw, str) or not _ASCII_NUMBER.fullmatch(raw):
        return None
    value = int(raw)
    return value if 1 <= value <= maximum else None
