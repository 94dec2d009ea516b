"""How one number is read in a connector's region: the importer's phone rows, the detail page's
flag and the matching page's phone tester all use `check()`, so they agree.

A number is *valid* when phonenumbers knows it as a real number of its country (not just of a
plausible length). An invalid one (a UK national "020 7946 0958" read in a CZ store) keeps the
E.164 `normalize` gives it, if any, and stays findable by its trailing digits (portal.phones).
"""

from dataclasses import dataclass

import phonenumbers

from portal.phones import MAX_INPUT, normalize, phone_row, tail


@dataclass(frozen=True)
class PhoneCheck:
    raw: str
    region: str  # the region national numbers were read in
    e164: str  # "" when the text is no plausible number
    valid: bool
    tail: str  # the trailing digits kept for matching ("" = too short to match safely)

    @property
    def findable(self) -> bool:
        return bool(self.e164 or self.tail)


def is_valid(e164: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(e164, None))
    except (phonenumbers.NumberParseException, ValueError, IndexError):
        return False


def check(raw: str, region: str) -> PhoneCheck:
    raw = (raw or "").replace("\x00", "").strip()[:MAX_INPUT]
    e164 = normalize(raw, region) or ""
    return PhoneCheck(
        raw=raw,
        region=region,
        e164=e164,
        valid=bool(e164) and is_valid(e164),
        tail=tail(e164 or raw),
    )


def stored_row(raw: str, region: str) -> tuple[str, str, str, bool] | None:
    """(raw, e164, tail, valid) for a ContactPhone, or None for a value that is no number."""
    row = phone_row(raw, region)
    if row is None:
        return None
    return (*row, bool(row[1]) and is_valid(row[1]))
