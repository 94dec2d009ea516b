"""Chat / SMS addresses the local store did not know, resolved where the interaction is written:
in the delivery worker, with the live lookup as callers are (calls/callers.py).

A decision only asks the store (it runs holding row locks). Before a batch of interaction logs
is written, the rows of phone channels without a contact are looked up with
`contacts.batch_lookup.lookup_many` (the store, then the CRM's live search as the connector's
matching policy allows; what it finds is stored, so the next one is local) and linked with
`pick()`'s rules (calls.matching.choose). A CRM that does not answer fails the batch (retried,
counted by the breaker), as for calls. The outcome is saved on the row (`match` "resolved"), so
a retry sends the same link without asking again. No unknown-caller rule (create / skip) for
interactions: an address nobody has is logged without a link.

E-mail addresses are matched in the local store only (contacts.batch_lookup
.stored_email_matches): the connectors have no search by e-mail address.
"""

from calls import matching
from contacts.batch_lookup import lookup_many
from delivery.models import SyncRecord, SyncState

PHONE_CHANNELS = ("chat", "sms")


def resolve_addresses(connector, records: list) -> None:
    """Link the batch's unlinked chat / SMS rows to the CRM record with their number."""
    pending = [
        r
        for r in records
        if r.payload.get("channel") in PHONE_CHANNELS
        and r.payload.get("address")
        and not r.payload.get("contact_crm_id")
        and not (r.match or {}).get("resolved")
    ]
    if not pending:
        return
    account = connector.account
    policy = matching.policies_for([account])[account.pk]
    known = lookup_many(account, [r.payload["address"] for r in pending])
    for record in pending:
        found = [
            m for m in known.get(record.payload["address"]) or [] if m.connector_id == account.pk
        ]
        mapped = (record.reason_detail or {}).get("owner_source") == "mapped"
        agent_user = record.payload.get("owner_crm_id", "") if mapped else ""
        match = matching.choose(found, policy, agent_user) if found else dict(record.match or {})
        _save(record, {**match, "resolved": True})


def _save(record: SyncRecord, match: dict) -> None:
    """The link in the payload and the match on the row (only while the lease is ours)."""
    payload = dict(record.payload)
    if match.get("crm_id"):
        payload.update(contact_crm_id=match["crm_id"], contact_type=match.get("type") or "contact")
    detail = {**(record.reason_detail or {}), "contact_crm_id": match.get("crm_id", "")}
    SyncRecord.objects.for_tenant(record.tenant_id).filter(
        pk=record.pk, lease=record.lease, state=SyncState.RUNNING
    ).update(payload=payload, match=match, reason_detail=detail)
    record.payload, record.match, record.reason_detail = payload, match, detail
