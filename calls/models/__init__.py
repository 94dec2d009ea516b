"""Call pipeline rows: events -> calls (+ activities) -> sync settings and the outbox."""

from calls.models.call import Call, CallActivity, CallEvent, CallQuerySet
from calls.models.signing import WebhookSecret
from calls.models.sync import CallSyncSettings, SyncKind, SyncRecord, SyncState

__all__ = [
    "Call",
    "CallActivity",
    "CallEvent",
    "CallQuerySet",
    "CallSyncSettings",
    "SyncKind",
    "SyncRecord",
    "SyncState",
    "WebhookSecret",
]
