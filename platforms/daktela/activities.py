"""A Daktela activity (`GET /api/v6/activities/{name}.json`) as plain ActivityDetails.

An activity is one user's part of one customer interaction; `type` says which channel (CALL,
EMAIL, CHAT/WEB, SMS...) and `item` is that channel's record: for a call the ActivitiesCall
row (`id_call`, `clid`, `did`, `direction`, `answered`, `id_queue`, `id_agent`, `duration`,
`waiting_time`...). Daktela's times have no offset: they are in the instance's time zone, read
here in the tenant's (as the events-module form's are).

`event` holds API.md call-event fields (caller, callee, direction, agent_id, agent_email,
queue, duration_seconds, wait_seconds, recording_url, disposition, status) plus the times as
ISO 8601 with offset: `queued_at`, `ringing_at`, `answered_at`, `ended_at` (= `occurred_at`).
Other channels: `address` (the item's address / clid), `direction` and `subject` (the
activity's title) instead of the call fields. Only what Daktela said is set.
"""

from datetime import datetime

from platforms.types import ActivityDetails

CHANNELS = {"CALL": "call", "EMAIL": "email", "CHAT": "chat", "WEB": "chat", "SMS": "sms"}
DIRECTIONS = {"in": "in", "out": "out", "internal": "internal"}


def _name(value) -> str:
    """A foreign key as Daktela expands it ({"name": ..., "title": ...}) or as a bare name."""
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return "" if value in (None, "") else str(value)


def _time(raw, tz) -> str:
    if not raw or not isinstance(raw, str):
        return ""
    try:
        parsed = datetime.fromisoformat(raw.replace("T", " ", 1))
    except ValueError:
        return ""
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)).isoformat()


def _seconds(value) -> int | None:
    try:
        return max(0, int(float(value)))
    except (TypeError, ValueError, OverflowError):
        return None


def _call_fields(item: dict) -> dict:
    direction = DIRECTIONS.get(str(item.get("direction") or "").lower(), "")
    clid, did = str(item.get("clid") or ""), str(item.get("did") or "")
    answered = item.get("answered")
    fields = {
        "direction": direction,
        # the customer is the clid; the local number (DID) is the other end
        "caller": did if direction == "out" else clid,
        "callee": clid if direction == "out" else did,
        "duration_seconds": _seconds(item.get("duration")),
        "wait_seconds": _seconds(item.get("waiting_time")),
    }
    if answered is not None:
        fields["status"] = "answered" if answered in (True, 1, "1", "true") else "missed"
    recording = item.get("recording_url") or ""
    if isinstance(recording, str) and recording.startswith(("https://", "http://")):
        fields["recording_url"] = recording  # never a URL carrying our access token
    return fields


def activity_details(activity: dict, tz) -> ActivityDetails:
    """The details of one activity as Daktela's API returns it."""
    item = activity.get("item") if isinstance(activity.get("item"), dict) else {}
    channel = CHANNELS.get(str(activity.get("type") or "CALL").upper(), "call")
    user = activity.get("user") if isinstance(activity.get("user"), dict) else {}
    agent = item.get("id_agent") if isinstance(item.get("id_agent"), dict) else {}
    statuses = [s for s in activity.get("statuses") or [] if isinstance(s, dict)]
    event = {
        "agent_id": _name(user) or _name(agent),
        "agent_email": str(user.get("email") or agent.get("email") or ""),
        "queue": _name(activity.get("queue")) or _name(item.get("id_queue")),
        "disposition": str(statuses[0].get("title") or "") if statuses else "",
        "queued_at": _time(activity.get("time"), tz),
        "ringing_at": _time(activity.get("time_wait"), tz),
        "answered_at": _time(activity.get("time_open"), tz),
        "ended_at": _time(activity.get("time_close"), tz),
    }
    if channel == "call":
        event.update(_call_fields(item))
    else:  # email / chat / SMS: the customer's address, the direction, the title as subject
        address = item.get("address") or item.get("email") or item.get("clid") or item.get("number")
        event["address"] = str(address or "")
        event["direction"] = DIRECTIONS.get(str(item.get("direction") or "").lower(), "")
        event["subject"] = str(activity.get("title") or "")
    event["occurred_at"] = event["ended_at"]
    clean = {k: v for k, v in event.items() if v not in (None, "")}
    return ActivityDetails(
        activity_id=str(activity.get("name") or ""), channel=channel, event=clean
    )
