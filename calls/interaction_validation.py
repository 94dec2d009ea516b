"""Validation of inbound interactions (POST /interactions/, the Daktela form's Type).

`validate_interactions(body, region)` returns clean dicts or raises ValidationError whose
detail names the bad field; for an array the key is the index of the bad item:
{"3": {"address": ["..."]}}. Nothing is stored when any item is bad.
"""

from datetime import UTC, datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from calls.models.interaction import INTERACTION_CHANNELS, INTERACTION_DIRECTIONS
from calls.validation import validate_batch
from portal import dates
from portal.phones import MIN_MATCH_DIGITS, digits, normalize

MAX_BATCH = 1000
TEXT_FIELDS = {"queue": 128, "agent_email": 254, "subject": 255, "disposition": 128}
LONG_FIELDS = {"body": 32_000, "notes": 8_000}
MAX_TAGS, MAX_TAG = 50, 64
CHOICES = {"channel": INTERACTION_CHANNELS, "direction": INTERACTION_DIRECTIONS}


def validate_interactions(body, region: str) -> list[dict]:
    return validate_batch(body, lambda item: validate_interaction(item, region), "interaction")


def _text(item, name, limit, errors, clean) -> None:
    value = item.get(name)
    if value in (None, ""):
        clean[name] = ""
    elif not isinstance(value, str) or len(value) > limit or "\x00" in value:
        errors[name] = [f"Must be a string of at most {limit} characters."]
    else:
        clean[name] = value


def validate_interaction(item, region: str) -> tuple[dict, dict]:
    if not isinstance(item, dict):
        return {}, {"non_field_errors": ["Expected an interaction object."]}
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    value = item.get("interaction_id")
    if value in (None, ""):
        errors["interaction_id"] = ["This field is required."]
    elif isinstance(value, bool) or not isinstance(value, str | int):
        errors["interaction_id"] = ["Must be a string."]
    elif len(str(value)) > 128 or "\x00" in str(value):
        errors["interaction_id"] = ["At most 128 characters, no NUL bytes."]
    else:
        clean["interaction_id"] = str(value)
    for name, allowed in CHOICES.items():
        value = item.get(name)
        if value in (None, ""):
            errors[name] = ["This field is required."]
        elif value not in allowed:
            errors[name] = [f"{str(value)[:40]!r} is not one of: {', '.join(allowed)}."]
        else:
            clean[name] = value
    for name, limit in (TEXT_FIELDS | LONG_FIELDS).items():
        _text(item, name, limit, errors, clean)
    if clean.get("agent_email") and not _is_email(clean["agent_email"]):
        errors["agent_email"] = ["Must be an e-mail address."]
    _address(item.get("address"), clean.get("channel"), region, errors, clean)
    _tags(item.get("tags"), errors, clean)
    clean["started_at"] = _time(item, "started_at", errors, required=True)
    clean["ended_at"] = _time(item, "ended_at", errors, required=False)
    if clean["started_at"] and clean["ended_at"] and clean["ended_at"] < clean["started_at"]:
        errors["ended_at"] = ["Must not be before started_at."]
    return clean, errors


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except DjangoValidationError:
        return False
    return True


def _address(value, channel, region, errors, clean) -> None:
    if value in (None, ""):
        errors["address"] = ["This field is required."]
        return
    if not isinstance(value, str) or len(value) > 254 or "\x00" in value:
        errors["address"] = ["Must be a string of at most 254 characters."]
        return
    value = value.strip()
    if channel == "email":
        if not _is_email(value):
            errors["address"] = ["An email interaction's address must be an e-mail address."]
            return
        clean["address"], clean["address_key"] = value, value.lower()
    elif channel in ("chat", "sms"):
        e164 = normalize(value, region) if len(value) <= 64 else None
        if not e164 and len(digits(value)) < MIN_MATCH_DIGITS:
            errors["address"] = [f"A {channel} interaction's address must be a phone number."]
            return
        clean["address"], clean["address_key"] = value, e164 or digits(value)


def _tags(value, errors, clean) -> None:
    if value in (None, ""):
        clean["tags"] = []
    elif (
        not isinstance(value, list)
        or len(value) > MAX_TAGS
        or not all(isinstance(t, str) and 0 < len(t) <= MAX_TAG for t in value)
    ):
        errors["tags"] = [f"At most {MAX_TAGS} non-empty strings of at most {MAX_TAG} characters."]
    else:
        clean["tags"] = list(value)


def _time(item, name, errors, *, required: bool) -> datetime | None:
    value = item.get(name)
    if value in (None, ""):
        if required:
            errors[name] = ["This field is required."]
        return None
    if not isinstance(value, str) or len(value) > 40:
        errors[name] = ["Must be an ISO 8601 date-time with offset."]
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        errors[name] = [f"{value!r} is not an ISO 8601 date-time."]
        return None
    if parsed.tzinfo is None:
        errors[name] = ["Give the UTC offset (e.g. +01:00 or Z)."]
        return None
    try:
        utc = parsed.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not dates.MIN_YEAR <= utc.year <= dates.MAX_YEAR:
        errors[name] = [f"Must be between {dates.MIN_YEAR} and {dates.MAX_YEAR}."]
        return None
    return utc
