"""Call pipeline rows: events -> calls (+ activities) -> sync settings (outbox: delivery)."""

from calls.models.call import Call, CallActivity, CallEvent, CallQuerySet
from calls.models.callers import CreatedCaller
from calls.models.daily import CallDay
from calls.models.interaction import Interaction
from calls.models.signing import WebhookSecret
from calls.models.sync import CallSyncSettings

__all__ = [
    "Call",
    "CallActivity",
    "CallDay",
    "CallEvent",
    "CallQuerySet",
    "CallSyncSettings",
    "CreatedCaller",
    "Interaction",
    "WebhookSecret",
]
