"""One supported range for every date-time the portal accepts (issue 11, point 8).

Years outside it overflow on time-zone conversion (0001-01-01 at +01:00 is year 0 in UTC;
9999-12-31 at -01:00 is year 10000), so a date at the edge passed validation and failed later,
in PostgreSQL or on a page rendered in the tenant's time zone. Inputs outside 1970-2200 are a
400 naming the field. The call-event validator (calls/validation.py) uses the same bounds.
"""

from datetime import UTC, datetime

from rest_framework import serializers

MIN_YEAR, MAX_YEAR = 1970, 2200
RANGE_MESSAGE = f"Must be between {MIN_YEAR} and {MAX_YEAR}."


def in_range(value: datetime) -> bool:
    """True when `value` (naive = already in a known zone) is within the supported years,
    also once converted to UTC."""
    try:
        utc = value.astimezone(UTC) if value.tzinfo else value
    except (OverflowError, ValueError):
        return False
    return MIN_YEAR <= value.year <= MAX_YEAR and MIN_YEAR <= utc.year <= MAX_YEAR


class DateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField limited to the supported range (use it for every writable date)."""

    default_error_messages = {"range": RANGE_MESSAGE}

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not in_range(parsed):
            self.fail("range")
        return parsed
