"""What the call path announces, for the apps above it (automations) to subscribe to.

`calls_decided(sender=None, tenant=..., calls=[...])` is sent by calls.decisions.decide_calls
inside the fold's transaction (the calls' row locks held), after their call logs are queued.
A receiver returns the SyncRecords it queued for those calls (automations: tickets), which
decide_calls returns with its own.

`calls_folded(sender=None, tenant=..., calls=[...])` is sent by calls.services after a fold
chunk is written, inside its transaction, for the calls that got new events and are not
decided yet (in progress, or ending now: before their calls_decided). Automations opens the
tickets of triggers on `ringing` / `answered` here.

`live_fold_wanted(sender=None, tenant=...)`: a receiver answers True when the tenant wants
its calls folded at each ringing / answered event, not only at the end (the sweeper folds
calls in progress within seconds otherwise); calls.ingest asks it through `live_fold`.
"""

from django.dispatch import Signal

calls_decided = Signal()
calls_folded = Signal()
live_fold_wanted = Signal()


def live_fold(tenant) -> bool:
    return any(answer for _receiver, answer in live_fold_wanted.send(sender=None, tenant=tenant))
