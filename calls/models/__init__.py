"""Call pipeline rows: events -> calls (+ activities) -> sync settings (outbox: delivery)."""

from calls.models.call import Call, CallActivity, CallEvent, CallQuerySet
from calls.models.signing import WebhookSecret
from calls.models.sync import CallSyncSettings

# Transitional re-export for calls/filters.py (being rewritten as a FilterSet on another
# branch); everything else imports the outbox rows from delivery.models.
from delivery.models import SyncRecord, SyncState

__all__ = [
    "Call",
    "CallActivity",
    "CallEvent",
    "CallQuerySet",
    "CallSyncSettings",
    "SyncRecord",
    "SyncState",
    "WebhookSecret",
]
