"""The Daktela events form's `Type` EMAIL / CHAT / SMS: the activity is an interaction
(calls/interactions.py), not a call; idempotent by ActivityID like calls."""

from datetime import UTC, datetime

from rest_framework.exceptions import ValidationError

from calls.daktela import CompletionDelayed, completion, daktela_account
from calls.interaction_validation import validate_interaction

# --- Type EMAIL / CHAT / SMS: the activity is an interaction (calls/interactions.py) ---------

INTERACTION_TYPES = {"EMAIL": "email", "CHAT": "chat", "SMS": "sms"}
FORM_NAMES = {  # interaction field -> the form parameter it comes from (for error messages)
    "interaction_id": "ActivityID",
    "channel": "Type",
    "direction": "Direction",
    "address": "Clid",
    "started_at": "CallStart",
    "ended_at": "CallEnd",
    "queue": "QueueId",
    "agent_email": "AgentEmail",
    "disposition": "CallType",
}


def activity_channel(params) -> str:
    """'' for a call (Type absent or CALL), else the interaction channel; 400 when unknown."""
    raw = _form_value(params, "Type").upper()
    if raw in ("", "CALL"):
        return ""
    if raw not in INTERACTION_TYPES:
        raise ValidationError({"Type": ["One of: CALL, EMAIL, CHAT, SMS."]})
    return INTERACTION_TYPES[raw]


def daktela_interaction(params, tenant, channel: str) -> dict:
    """The validated interaction of one email / chat / SMS activity (idempotent by ActivityID).

    Completed from Daktela's API like calls (calls/daktela.py `completion`): what the form
    leaves out (address, direction, agent, queue, disposition, times, subject) is read from the
    activity; the form's own values win. Daktela unreachable or refusing: the form alone."""
    activity_id = _form_value(params, "ActivityID")
    done = _completed(tenant, activity_id)
    direction = (_form_value(params, "Direction") or done.get("direction") or "").lower()
    started = _form_time(params, ("CallStart", "RingingStart", "QueueStart"), tenant)
    item = {
        "interaction_id": f"daktela:{activity_id}" if activity_id else "",
        "channel": channel,
        "direction": "out" if direction.startswith("out") else "in",
        "address": _form_value(params, "Clid") or done.get("address", ""),
        "started_at": started or _first(done, "answered_at", "ringing_at", "queued_at"),
        "ended_at": _form_time(params, ("CallEnd",), tenant) or done.get("ended_at", ""),
        "queue": _form_value(params, "QueueId") or done.get("queue", ""),
        "agent_email": _form_value(params, "AgentEmail") or done.get("agent_email", ""),
        "disposition": _form_value(params, "CallType") or done.get("disposition", ""),
        "subject": done.get("subject", ""),
    }
    if not item["started_at"]:
        item["started_at"] = item["ended_at"]
    clean, errors = validate_interaction(item, tenant.default_region)
    if errors:
        raise ValidationError({FORM_NAMES.get(k, k): v for k, v in errors.items()})
    return clean


def _completed(tenant, activity_id: str) -> dict:
    """Daktela's fields of the activity; {} without an account, or when Daktela cannot say now
    (an interaction is stored at once with the form's values: no later completion)."""
    account = daktela_account(tenant) if activity_id else None
    if account is None:
        return {}
    try:
        return completion(account, activity_id)
    except CompletionDelayed:
        return {}


def _first(values: dict, *names) -> str:
    return next((values[n] for n in names if values.get(n)), "")


def _form_value(params, name: str) -> str:
    raw = (params.get(name) or "").strip()
    if not raw or (raw.startswith("{") and raw.endswith("}")) or "\x00" in raw:
        return ""  # an unset Daktela placeholder arrives literally
    return raw


def _form_time(params, names, tenant) -> str:
    """The first given of `names` as ISO 8601 (no offset: the tenant's zone; digits: unix)."""
    for name in names:
        raw = _form_value(params, name)
        if not raw:
            continue
        try:
            parsed = datetime.fromisoformat(raw.replace("T", " ", 1))
        except ValueError:
            if not (raw.isdigit() and len(raw) <= 12):
                return raw  # validation names it
            parsed = datetime.fromtimestamp(int(raw), tz=UTC)
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=tenant.zone)).isoformat()
    return ""
