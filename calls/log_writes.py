"""How a batch of call logs is written (`send_call_logs`, called by calls/callers.py):

* every CallLog carries the row's stored `crm_record_id` (set once the CRM has the record):
  a late send (wrap-up, recording, leg; calls/late.py) or a retry updates that record where the
  CRM can (Capability.CALL_UPDATES; the connector answers action "updated", or "unchanged"
  when its CRM cannot update a logged call), never creates a second one;
* the start-margin duplicate check against the CRM: with `start_margin_seconds` > 0 and
  Capability.FIND_CALLS, the batch's first writes (no `crm_record_id` yet) are searched with
  one `find_calls(logs, margin)` call, and each key found is linked to that existing record
  (WriteResult action "linked": the row ends synced with the found id) instead of created.
  A transient find_calls failure fails the batch like a write failure (retried with backoff,
  counted by the breaker: the call is never lost nor created blind); a permanent one (the CRM
  refuses the search, e.g. no permission) falls through to create, since a possible
  duplicate is better than a call never logged.
"""

import logging
from dataclasses import replace

from calls.call_logs import call_log_from
from connectors.capabilities import Capability
from connectors.errors import AuthError, ConnectorError
from connectors.types import CallLog, WriteResult

log = logging.getLogger(__name__)


def send_call_logs(connector, records: list) -> list[WriteResult]:
    logs = [replace(call_log_from(r.payload), crm_record_id=r.crm_record_id or "") for r in records]
    linked = _find_existing(connector, [x for x in logs if not x.crm_record_id])
    to_write = [x for x in logs if x.key not in linked]
    results = list(linked.values())
    if to_write:
        results += connector.log_calls(to_write)
    return results


def start_margin(account) -> int:
    conf = getattr(account, "call_sync_settings", None)  # the reverse one-to-one, if any
    return int(conf.start_margin_seconds) if conf is not None else 0


def _find_existing(connector, first_writes: list[CallLog]) -> dict[str, WriteResult]:
    """key -> a "linked" result for first writes the CRM already holds (someone else's call
    within the start margin); {} when the check does not apply."""
    account = connector.account
    margin = start_margin(account)
    if not first_writes or margin <= 0 or not account.provider.can(Capability.FIND_CALLS):
        return {}
    try:
        found = connector.find_calls(first_writes, margin) or {}
    except ConnectorError as exc:
        if not exc.permanent or isinstance(exc, AuthError):
            raise  # transient: the batch is retried, nothing is created blind
        log.warning("find_calls refused on connector %s, creating: %s", account.pk, exc)
        return {}
    keys = {x.key for x in first_writes}
    return {
        key: WriteResult(key=key, crm_id=crm.crm_id, url=crm.url, action="linked")
        for key, crm in found.items()
        if key in keys and crm is not None and crm.crm_id
    }
