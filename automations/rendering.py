"""Subject/description templates with {placeholders}: validated on save, rendered safely."""

from django.utils import timezone

from portal import placeholders

CALL_PLACEHOLDERS = {
    "caller",
    "callee",
    "phone",
    "queue",
    "agent",
    "agent_email",
    "direction",
    "status",
    "duration",
    "started_at",
    "ended_at",
    "call_id",
}
CALLBACK_PLACEHOLDERS = {"phone", "queue", "callback_list", "requested_at", "note", "request_id"}


def template_errors(template: str, allowed: set[str]) -> str:
    """A message naming what is wrong with `template`, or "" when it is fine."""
    return placeholders.template_problem(template, allowed)


def render(template: str, values: dict, max_length: int = 255) -> str:
    """Placeholders only (portal/placeholders.py); TemplateError for a template saved before
    that check that is not usable."""
    return placeholders.render(template, values, max_length=max_length)


def _when(value, tz=None) -> str:
    return timezone.localtime(value, tz).strftime("%Y-%m-%d %H:%M:%S %Z") if value else ""


def call_values(call, tz=None) -> dict:
    """Placeholder values of a call; times in `tz` (the tenant's time zone)."""
    customer = call.callee if call.direction == "out" else call.caller
    return {
        "caller": call.caller or "",
        "callee": call.callee or "",
        "phone": customer or "",
        "queue": call.queue or "",
        "agent": call.agent_id or "",
        "agent_email": call.agent_email or "",
        "direction": {"in": "Inbound", "out": "Outbound", "internal": "Internal"}.get(
            call.direction, call.direction or ""
        ),
        "status": (call.status or "").capitalize(),
        "duration": f"{call.duration_seconds or 0} s",
        "started_at": _when(call.started_at, tz),
        "ended_at": _when(call.ended_at, tz),
        "call_id": call.call_id,
    }


def call_description(call, tz=None) -> str:
    v = call_values(call, tz)
    lines = [
        f"Caller: {v['caller']}",
        f"Callee: {v['callee']}",
        f"Direction: {v['direction']}",
        f"Queue: {v['queue'] or '-'}",
        f"Agent: {v['agent'] or '-'} {v['agent_email']}".rstrip(),
        f"Status: {v['status']}",
        f"Started: {v['started_at']}",
        f"Ended: {v['ended_at']}",
        f"Duration: {v['duration']}",
        f"Call ID: {v['call_id']}",
    ]
    if getattr(call, "recording_url", None):
        lines.append(f"Recording: {call.recording_url}")
    return "\n".join(lines)
