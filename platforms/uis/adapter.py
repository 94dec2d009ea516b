"""UIS payloads <-> our plain call-event dicts (this module knows nothing of calls).

* A notification (UIS "Notifications" sends one POST per event, its body built from the
  notification's template) becomes the API.md call events of that moment. Its event name is
  `event` (or `notification_name`): call_start / waiting_answer -> ringing, talk_start ->
  answered, call_end -> ended, or missed when `is_lost` is true, lost_call -> missed. Event ids
  are `uis:{call_session_id}:{event}`, so a repeated notification is a duplicate.
* The legs of `get.call_legs_report` become ActivityDetails (employee, talk time, recording).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from platforms.types import ActivityDetails
from portal import dates

EVENTS = {
    "call_start": "ringing",
    "incoming_call": "ringing",
    "waiting_answer": "ringing",
    "talk_start": "answered",
    "employee_answer": "answered",
    "call_end": "ended",
    "lost_call": "missed",
}
TRUE = {"1", "true", "yes", "y", "t"}
RECORDING_URL = "https://app.uiscom.ru/system/media/talk/{session}/{record}/"


class NotificationError(ValueError):
    """The notification lacks or garbles a field: {field: [message]}."""

    def __init__(self, errors: dict):
        super().__init__(str(errors))
        self.errors = errors


def phone(raw) -> str:
    """UIS sends numbers as digits without "+" (79261234567): E.164 when it has a country."""
    value = str(raw or "").strip()
    if value.isdigit() and len(value) >= 11:
        return f"+{value}"
    return value[:64]


def truthy(raw) -> bool:
    return raw is True or str(raw).strip().lower() in TRUE


def parse_time(raw, tz) -> datetime | None:
    """UIS times are "YYYY-MM-DD HH:MM:SS" in the account's time zone (or ISO with offset)."""
    if raw in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(raw).replace("T", " ", 1))
    except ValueError:
        if str(raw).isdigit():
            return datetime.fromtimestamp(int(raw), tz=ZoneInfo("UTC"))
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def _int(raw) -> int | None:
    try:
        return max(0, int(float(raw)))
    except (TypeError, ValueError, OverflowError):
        return None


def notification_events(body: dict, tz, now: datetime) -> list[dict]:
    """The call events of one notification; raises NotificationError naming the bad field."""
    errors: dict = {}
    name = str(body.get("event") or body.get("notification_name") or "").strip().lower()
    session = str(body.get("call_session_id") or "").strip()
    if name not in EVENTS:
        errors["event"] = [f"One of: {', '.join(EVENTS)}."]
    if not session or len(session) > 64:
        errors["call_session_id"] = ["This field is required (UIS's call session id)."]
    raw_time = body.get("notification_time") or body.get("start_time")
    occurred = parse_time(raw_time, tz) if raw_time else now
    if occurred is None or not dates.in_range(occurred):
        errors["notification_time"] = ["Not a date-time (YYYY-MM-DD HH:MM:SS)."]
    if errors:
        raise NotificationError(errors)
    direction = "out" if str(body.get("direction") or "").lower().startswith("out") else "in"
    contact, virtual = (
        phone(body.get("contact_phone_number")),
        phone(body.get("virtual_phone_number")),
    )
    event = {
        "event_id": f"uis:{session}:{name}",
        "call_id": f"uis:{session}",
        "activity_id": session,
        "type": EVENTS[name],
        "direction": direction,
        "caller": contact if direction == "in" else virtual,
        "callee": virtual if direction == "in" else contact,
        "agent_id": str(body.get("employee_id") or "")[:128],
        "occurred_at": occurred.isoformat(),
    }
    if name == "call_end":
        lost = truthy(body.get("is_lost"))
        event["type"] = "missed" if lost else "ended"
        event["status"] = "missed" if lost else "answered"
        event["duration_seconds"] = 0 if lost else _int(body.get("talk_time_duration"))
        event["wait_seconds"] = _int(body.get("wait_time_duration"))
    elif name == "lost_call":
        event["status"] = "missed"
        event["duration_seconds"] = 0
    return [{k: v for k, v in event.items() if v not in (None, "")}]


def legs_window(around: datetime | None, now: datetime) -> tuple[str, str]:
    """get.call_legs_report needs a date range: the day around the call."""
    center = around or now
    fmt = "%Y-%m-%d %H:%M:%S"
    return (center - timedelta(days=1)).strftime(fmt), (center + timedelta(hours=1)).strftime(fmt)


def activity_details(session: str, legs: list[dict]) -> ActivityDetails | None:
    """The employee who talked, the talk time and the recording of one call session."""
    if not legs:
        return None
    talked = [leg for leg in legs if leg.get("is_talked")] or legs
    leg = max(talked, key=lambda row: _int(row.get("duration")) or 0)
    event: dict = {}
    if leg.get("employee_id"):
        event["agent_id"] = str(leg["employee_id"])
    if any(row.get("is_talked") for row in legs):
        event["duration_seconds"] = _int(leg.get("duration")) or 0
        event["status"] = "answered"
    if leg.get("direction") in ("in", "out"):
        event["direction"] = leg["direction"]
    records = [r for row in talked for r in (row.get("call_records") or [])]
    if records:
        event["recording_url"] = RECORDING_URL.format(session=session, record=records[0])
    return ActivityDetails(activity_id=str(session), channel="call", event=event)
