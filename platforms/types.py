"""Plain data a platform returns (no ORM objects), like connectors/types.py for CRMs."""

from dataclasses import dataclass, field

# Agent status (issue 15): a small per-agent state, fed by platforms and CRMs that report it.
AVAILABLE, BUSY, AWAY = "available", "busy", "away"
AGENT_STATUSES = (AVAILABLE, BUSY, AWAY)


@dataclass(frozen=True)
class Agent:
    """A contact-center user (agent), as its platform lists it."""

    agent_id: str  # the platform's login name (Daktela: the user's `name`)
    email: str = ""
    title: str = ""


@dataclass
class ActivityDetails:
    """What the platform's API says about one closed activity / call (complete_activity).

    The keys of `event` are API.md call-event fields (caller, callee, direction, agent_id,
    agent_email, queue, duration_seconds, wait_seconds, recording_url, disposition, status,
    occurred_at...): only those the platform knows; the form's own values win where both exist.
    `channel` is "call" or an interaction channel (email, chat, sms).
    """

    activity_id: str
    channel: str = "call"
    event: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CallRequest:
    """Click-to-call: the agent (by the platform's login, else e-mail / extension) and the
    number to dial (E.164 when known), e.g. from retailCRM's makeCallUrl or the widget."""

    agent_id: str
    number: str
    agent_email: str = ""
    agent_phone: str = ""  # the agent's extension / SIP number where the platform needs it
    external_id: str = ""  # our id of the request (for the platform's logs)
