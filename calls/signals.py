"""What the call path announces, for the apps above it (automations) to subscribe to.

`calls_decided(sender=None, tenant=..., calls=[...])` is sent by calls.decisions.decide_calls
inside the fold's transaction (the calls' row locks held), after their call logs are queued.
A receiver returns the SyncRecords it queued for those calls (automations: tickets), which
decide_calls returns with its own.
"""

from django.dispatch import Signal

calls_decided = Signal()
