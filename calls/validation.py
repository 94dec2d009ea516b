"""Validation of inbound call events (hand-written: the ingest endpoint is hot).

`validate_events(body)` returns a list of clean event dicts or raises ValidationError whose
detail names the bad field; for an array the key is the index of the bad item:
{"3": {"occurred_at": ["..."]}}.
"""

from datetime import UTC, datetime

from rest_framework.exceptions import ValidationError

from calls.models.call import DIRECTIONS, EVENT_TYPES, PRIVACIES, STATUSES
from portal import dates
from portal.links import HTTP_URL_MESSAGE, is_http_url

MAX_BATCH = 1000
ID_FIELDS = {"event_id": 128, "call_id": 128, "activity_id": 128}
TEXT_FIELDS = {
    "caller": 64,
    "callee": 64,
    "queue": 128,
    "agent_id": 128,
    "agent_email": 254,
    "recording_url": 500,
    "notes": 4000,  # the agent's wrap-up (API.md): written to the CRM record's description
    "disposition": 128,
}
MAX_TAGS, MAX_TAG = 20, 64
CHOICES = {
    "type": EVENT_TYPES,
    "direction": DIRECTIONS,
    "privacy": PRIVACIES,
    "status": STATUSES,
}
INT_FIELDS = ("duration_seconds", "wait_seconds")
MAX_INT = 10 * 365 * 24 * 3600
MIN_YEAR, MAX_YEAR = dates.MIN_YEAR, dates.MAX_YEAR
KNOWN = {*ID_FIELDS, *TEXT_FIELDS, *CHOICES, *INT_FIELDS, "occurred_at", "tags"}


def validate_batch(body, validate_one, noun: str = "event") -> list[dict]:
    """One object or an array of up to MAX_BATCH, each checked by `validate_one(item) ->
    (clean, errors)`; a bad item raises ValidationError naming its index (nothing kept)."""
    if isinstance(body, dict):
        clean, errors = validate_one(body)
        if errors:
            raise ValidationError(errors)
        return [clean]
    if not isinstance(body, list):
        raise ValidationError(
            {"non_field_errors": [f"Send one {noun} object or an array of them."]}
        )
    if not body:
        raise ValidationError({"non_field_errors": ["The array is empty."]})
    if len(body) > MAX_BATCH:
        raise ValidationError(
            {"non_field_errors": [f"At most {MAX_BATCH} {noun}s per request; got {len(body)}."]}
        )
    cleaned, errors = [], {}
    for i, item in enumerate(body):
        clean, item_errors = validate_one(item)
        if item_errors:
            errors[str(i)] = item_errors
        cleaned.append(clean)
    if errors:
        raise ValidationError(errors)
    return cleaned


def validate_events(body) -> list[dict]:
    return validate_batch(body, validate_event)


def validate_event(item) -> tuple[dict, dict]:
    if not isinstance(item, dict):
        return {}, {"non_field_errors": ["Expected an event object."]}
    errors: dict[str, list[str]] = {}
    clean: dict = {}
    for name, limit in ID_FIELDS.items():
        value = item.get(name)
        if value in (None, ""):
            if name != "activity_id":
                errors[name] = ["This field is required."]
            else:
                clean[name] = ""
        elif not isinstance(value, str | int) or isinstance(value, bool):
            errors[name] = ["Must be a string."]
        elif len(str(value)) > limit or "\x00" in str(value):
            errors[name] = [f"At most {limit} characters, no NUL bytes."]
        else:
            clean[name] = str(value)
    for name, limit in TEXT_FIELDS.items():
        value = item.get(name)
        if value in (None, ""):
            clean[name] = ""
        elif not isinstance(value, str) or len(value) > limit or "\x00" in value:
            errors[name] = [f"Must be a string of at most {limit} characters."]
        else:
            clean[name] = value
    if clean.get("recording_url") and not is_http_url(clean["recording_url"]):
        errors["recording_url"] = [HTTP_URL_MESSAGE]  # rendered as a link on the call page
    for name, allowed in CHOICES.items():
        value = item.get(name)
        if value in (None, ""):
            if name == "type":
                errors[name] = ["This field is required."]
            clean[name] = ""
        elif value not in allowed:
            errors[name] = [f"{value!r} is not one of: {', '.join(allowed)}."[:300]]
        else:
            clean[name] = value
    for name in INT_FIELDS:
        value = item.get(name)
        if value is None:
            clean[name] = None
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT:
            errors[name] = ["Must be a whole number of seconds, 0 or more."]
        else:
            clean[name] = value
    clean["tags"] = _tags(item.get("tags"), errors)
    clean["occurred_at"] = _parse_time(item.get("occurred_at"), errors)
    return clean, errors


def _tags(value, errors) -> list[str] | None:
    """Short labels (Aircall tags): a list of at most MAX_TAGS strings of at most MAX_TAG
    characters; blanks and repeats are dropped. None = the event says nothing about tags."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_TAGS:
        errors["tags"] = [f"Must be a list of at most {MAX_TAGS} strings."]
        return None
    tags: list[str] = []
    for tag in value:
        if not isinstance(tag, str) or len(tag) > MAX_TAG or "\x00" in tag:
            errors["tags"] = [f"Each tag must be a string of at most {MAX_TAG} characters."]
            return None
        if tag.strip() and tag.strip() not in tags:
            tags.append(tag.strip())
    return tags


def _parse_time(value, errors) -> datetime | None:
    if value in (None, ""):
        errors["occurred_at"] = ["This field is required."]
        return None
    if not isinstance(value, str) or len(value) > 40:
        errors["occurred_at"] = ["Must be an ISO 8601 date-time with offset."]
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        errors["occurred_at"] = [f"{value!r} is not an ISO 8601 date-time."]
        return None
    if parsed.tzinfo is None:
        errors["occurred_at"] = ["Give the UTC offset (e.g. +01:00 or Z)."]
        return None
    try:
        utc = parsed.astimezone(UTC)  # stored in UTC (PostgreSQL limits offsets to ±15:59)
    except OverflowError:
        utc = None
    if utc is None or not MIN_YEAR <= utc.year <= MAX_YEAR:
        errors["occurred_at"] = [f"Must be between {MIN_YEAR} and {MAX_YEAR}."]
        return None
    return utc
