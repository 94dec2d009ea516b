"""The Daktela events-module form: one GET per closed activity, as plain call-event dicts.

Daktela substitutes placeholders such as {CallStart} into a URL it calls after an activity
closes; unset placeholders arrive literally or empty and are treated as absent. `CallType` is
the activity's status title (seed 000: "Complaint"): it becomes the disposition; the direction
comes from `Direction` or, when the URL has none, from Daktela's API (`completed`). Times have
no offset and are read in the tenant's time zone. Each activity yields up to three events
(ringing, answered, ended|missed) whose ids derive from ActivityID, so a repeated GET is a
duplicate. The calls app's API view receives the form, calls `form_events` and validates the
events as it does any other (calls/daktela.py); this module knows nothing of calls.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from rest_framework.exceptions import ValidationError

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
    """The `Direction` parameter only: `CallType` is the activity's status (the disposition)."""
    raw = _value(params, "Direction").lower()
    for word in ("internal", "out", "in"):
        if word in raw:
            return word
    return ""


def _answered(params, completed: dict) -> bool:
    raw = _value(params, "Answered").lower()
    if raw:
        return raw in TRUE
    return completed.get("status") == "answered"


def form_events(params, tz, completed: dict | None = None) -> list[dict]:
    """The call events of one activity (times read in `tz` when they carry no offset).

    `completed` is what Daktela's API said of the activity (ActivityDetails.event): it fills
    what the form lacks; the form's own values win where both exist. Raises ValidationError
    naming the bad form parameter."""
    done = completed or {}
    errors: dict = {}
    call_id, activity_id = _value(params, "ID"), _value(params, "ActivityID")
    for name, value in (("ID", call_id), ("ActivityID", activity_id)):
        if not value:
            errors[name] = ["This parameter is required."]
    times = {n: _time(params, n, tz, errors) for n in ("QueueStart", "RingingStart", "CallStart")}
    times["QueueStart"] = times["QueueStart"] or done.get("queued_at")
    times["RingingStart"] = times["RingingStart"] or done.get("ringing_at")
    times["CallStart"] = times["CallStart"] or done.get("answered_at")
    end = _time(params, "CallEnd", tz, errors) or done.get("ended_at")
    if end is None and "CallEnd" not in errors:
        errors["CallEnd"] = ["This parameter is required (the activity has closed)."]
    duration, wait = _int(params, "Duration", errors), _int(params, "WaitTime", errors)
    if errors:
        raise ValidationError(errors)
    duration = done.get("duration_seconds") if duration is None else duration
    wait = done.get("wait_seconds") if wait is None else wait
    answered = _answered(params, done)
    direction = _direction(params) or done.get("direction", "")
    clid = _value(params, "Clid")
    if clid:
        caller = clid if direction != "out" else done.get("caller", "")
        callee = clid if direction == "out" else done.get("callee", "")
    else:
        caller, callee = done.get("caller", ""), done.get("callee", "")
    common = {
        "call_id": call_id,
        "activity_id": activity_id,
        "direction": direction,
        "caller": caller,
        "callee": callee,
        "queue": _value(params, "QueueId") or done.get("queue", ""),
        "agent_id": done.get("agent_id", ""),
        "agent_email": _value(params, "AgentEmail") or done.get("agent_email", ""),
        "disposition": _value(params, "CallType") or done.get("disposition", ""),
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
            "recording_url": done.get("recording_url", ""),
        }
    )
    return events
