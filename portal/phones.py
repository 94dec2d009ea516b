"""Phone numbers: normalisation to E.164 and the trailing-digits key (a bottom-layer helper:
connectors, contacts, calls and realtime all match numbers the same way).

Matching a caller to a contact (seed 001: numbers saved in local format are matched "by
removing first few (3-4) characters of anum, the rest can be matched ... using contains
comparison") is done with indexed equalities instead of a LIKE scan:

1. E.164 equality, both sides normalised with the tenant's default region;
2. else equality on `tail` (the last TAIL_DIGITS significant digits, indexed) to find a few
   candidates, then `same_number()` checks that one number's significant digits end with the
   other's: "+358 50 454 564" and the national "050 454 564" share "50454564". That is the
   seed's "drop the country prefix and compare the rest", without scanning the table.
"""

import functools
import re

import phonenumbers

TAIL_DIGITS = 7  # short enough for the shortest national numbers we expect to meet
MIN_MATCH_DIGITS = 7  # shorter inputs (extensions, garbage) never tail-match
MAX_INPUT = 64
_NON_DIGITS = re.compile(r"\D")


def digits(raw: str | None) -> str:
    if not isinstance(raw, str):
        return ""
    return _NON_DIGITS.sub("", raw[: MAX_INPUT * 2])[:MAX_INPUT]


def significant(raw: str | None) -> str:
    """Digits without leading zeros: drops the "00" international and "0" trunk prefixes."""
    return digits(raw).lstrip("0")


def normalize(raw: str | None, region: str = "CZ") -> str | None:
    """E.164 for a plausible number, else None. Never raises; normalize(normalize(x)) == it."""
    if not raw or not isinstance(raw, str):
        return None
    return _normalize(raw.strip()[:MAX_INPUT], region if isinstance(region, str) else None)


# A routing request normalises its caller and queue numbers about five times (the lookup, each
# rule's loop guard): phonenumbers' parse costs ~30-60 us each. A pure function of short text.
@functools.lru_cache(maxsize=8192)
def _normalize(raw: str, region: str | None) -> str | None:
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, region or None)
    except (phonenumbers.NumberParseException, ValueError, IndexError):
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164 if len(e164) <= 20 else None


def tail(raw: str | None) -> str:
    """The last TAIL_DIGITS significant digits, or "" when there are too few to match safely."""
    d = significant(raw)
    return d[-TAIL_DIGITS:] if len(d) >= MIN_MATCH_DIGITS else ""


def same_number(a: str | None, b: str | None) -> bool:
    """True when one number's significant digits end with the other's (>= MIN_MATCH_DIGITS)."""
    da, db = significant(a), significant(b)
    if min(len(da), len(db)) < MIN_MATCH_DIGITS:
        return False
    return da.endswith(db) or db.endswith(da)


def matches(stored_raw: str, stored_e164: str, phone: str, phone_e164: str | None) -> bool:
    """Does a stored number (raw as in the CRM, and its E.164) match a looked-up one?

    Both forms are compared because a national number of another country normalised with the
    tenant's region gives a wrong E.164 while its raw digits still end right.
    """
    return any(
        same_number(x, y) for x in (stored_raw, stored_e164) if x for y in (phone, phone_e164) if y
    )


def phone_row(raw: str, region: str) -> tuple[str, str, str] | None:
    """(raw, e164, tail) for storage, or None for a value that is not a phone number at all."""
    raw = (raw or "").strip()[:MAX_INPUT]
    e164 = normalize(raw, region) or ""
    key = tail(e164 or raw)
    if not e164 and not key:
        return None
    return raw, e164, key
