"""The Daktela events-module form: one GET per closed activity, mapped onto call events.

Daktela substitutes placeholders such as {CallStart} into a URL it calls after an activity
closes; unset placeholders arrive literally or empty and are treated as absent. Times have
no offset and are read in the tenant's time zone. Each activity yields up to three events
(ringing, answered, ended|missed) whose ids derive from ActivityID, so a repeated GET is a
duplicate.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from rest_framework.exceptions import ValidationError

from calls.validation import validate_events
from portal import dates

TRUE = {"1", "true", "yes", "y", "t"}


def _value(params, name: str) -> str:
    raw = (params.get(name) or "").strip()
    if not raw or (raw.startswith("{") and raw.endswith("}")) or "\x00" in raw:
        return ""
    return raw


def _time(params, name: str, tz, errors) -> str | None:
    raw = _value(params, name)
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("T", " ", 1))
    except ValueError:
        parsed = None
        if raw.isdigit() and len(raw) <= 12:  # unix seconds
            try:
                parsed = datetime.fromtimestamp(int(raw), tz=ZoneInfo("UTC"))
            except (ValueError, OverflowError, OSError):
                parsed = None
        if parsed is None:
            errors[name] = [f"{raw[:40]!r} is not a date-time (YYYY-MM-DD HH:MM:SS)."]
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    if not dates.in_range(parsed):
        errors[name] = [dates.RANGE_MESSAGE]
        return None
    return parsed.isoformat()


def _int(params, name: str, errors) -> int | None:
    raw = _value(params, name)
    if not raw:
        return None
    try:
        return max(0, int(float(raw)))
    except (ValueError, OverflowError):
        errors[name] = [f"{raw[:40]!r} is not a number of seconds."]
        return None


def _direction(params) -> str:
    for name in ("Direction", "CallType"):
        raw = _value(params, name).lower()
        for word in ("internal", "out", "in"):
            if word in raw:
                return word
    return ""


def daktela_events(params, tenant) -> list[dict]:
    """Validated events for one activity; raises ValidationError naming the bad parameter."""
    tz = tenant.zone
    errors: dict = {}
    call_id, activity_id = _value(params, "ID"), _value(params, "ActivityID")
    for name, value in (("ID", call_id), ("ActivityID", activity_id)):
        if not value:
            errors[name] = ["This parameter is required."]
    times = {n: _time(params, n, tz, errors) for n in ("QueueStart", "RingingStart", "CallStart")}
    end = _time(params, "CallEnd", tz, errors)
    if end is None and "CallEnd" not in errors:
        errors["CallEnd"] = ["This parameter is required (the activity has closed)."]
    duration, wait = _int(params, "Duration", errors), _int(params, "WaitTime", errors)
    if errors:
        raise ValidationError(errors)
    answered = _value(params, "Answered").lower() in TRUE
    direction = _direction(params)
    clid = _value(params, "Clid")
    common = {
        "call_id": call_id,
        "activity_id": activity_id,
        "direction": direction,
        "caller": clid if direction != "out" else "",
        "callee": clid if direction == "out" else "",
        "queue": _value(params, "QueueId"),
        "agent_email": _value(params, "AgentEmail"),
    }
    key = f"daktela:{activity_id}"
    events = []
    start = times["RingingStart"] or times["QueueStart"] or times["CallStart"] or end
    events.append({**common, "event_id": f"{key}:ringing", "type": "ringing", "occurred_at": start})
    if answered and times["CallStart"]:
        events.append(
            {
                **common,
                "event_id": f"{key}:answered",
                "type": "answered",
                "occurred_at": times["CallStart"],
            }
        )
    events.append(
        {
            **common,
            "event_id": f"{key}:end",
            "type": "ended" if answered else "missed",
            "status": "answered" if answered else "missed",
            "occurred_at": end,
            "duration_seconds": duration if answered else 0,
            "wait_seconds": wait,
        }
    )
    try:
        return validate_events(events)
    except ValidationError as exc:  # map back to one flat error naming the event field
        detail = exc.detail
        first = next(iter(detail.values())) if isinstance(detail, dict) else detail
        raise ValidationError(first)
