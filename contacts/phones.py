"""Phone numbers: normalisation to E.164 and the trailing-digits key.

Matching a caller to a contact (seed 001: numbers saved in local format are matched "by
removing first few (3-4) characters of anum ... using contains comparison") is done with two
indexed equalities instead of a LIKE scan:

1. E.164 equality, both sides normalised with the tenant's default region;
2. else equality on the last TAIL_DIGITS digits (`tail`), which is what "drop the first 3-4
   characters and compare the rest" means for a national-format number.
"""

import re

import phonenumbers

TAIL_DIGITS = 9
MIN_TAIL_DIGITS = 6  # shorter inputs (extensions, garbage) never tail-match
MAX_INPUT = 64
_NON_DIGITS = re.compile(r"\D")


def digits(raw: str | None) -> str:
    return _NON_DIGITS.sub("", raw or "")[:MAX_INPUT]


def normalize(raw: str | None, region: str = "CZ") -> str | None:
    """E.164 for a plausible number, else None. Never raises."""
    if not raw or not isinstance(raw, str):
        return None
    raw = raw.strip()[:MAX_INPUT]
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def tail(raw: str | None) -> str:
    """The last TAIL_DIGITS digits, or "" when there are too few digits to match safely."""
    d = digits(raw)
    return d[-TAIL_DIGITS:] if len(d) >= MIN_TAIL_DIGITS else ""
