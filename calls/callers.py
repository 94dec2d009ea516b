"""Unknown callers, resolved where the call log is written: in the delivery worker.

A decision runs inside the fold's transaction holding row locks, so it only asks the local
store (calls/matching.py). A call whose number the store did not know reaches the CRM through
the outbox, and there, before the batch is written (`deliver_call_logs`, the kind's sender,
inside the outbox's per-connector cap and circuit breaker, with inline waits off):

1. `lookup(tenant, phone, connectors=[connector])` with the live search the policy allows
   (what it finds is stored, so the next call is local), then `pick()` as a decision would;
2. nothing found: the policy's unknown-caller rule. `log_unmatched`: written without a link.
   `skip`: the row ends skipped, reason `unknown_caller`. `create_contact` / `create_lead`:
   the record is created in the CRM once per (connector, number) and the call linked to it
   (match source "created"), or written unlinked with the reason when the CRM cannot create
   that type.

"Once" holds for a retried call, two calls from the number in one batch and two workers at
once: a `CreatedCaller` row unique on (connector, number) is claimed in its own transaction
before `create_record`. A worker that finds a claim in flight leaves its row for a retry; a
claim whose creator died (older than the outbox lease, no CRM id) is taken over only after the
live lookup found nothing, which also covers a crash between the CRM's create and our commit.

The outcome is saved on the row (payload and `match`) while the lease is ours, before the
write: a retry sends the same link without resolving again.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from calls import matching
from calls.log_writes import send_call_logs
from calls.models import CreatedCaller
from connectors.capabilities import Capability
from connectors.errors import ConnectorError
from connectors.types import NewRecord, WriteResult
from contacts.batch_lookup import lookup_many
from contacts.lookup import CREATED, lookup, store_found
from contacts.models import UnknownCaller
from delivery.kinds import Skipped
from delivery.models import SyncRecord, SyncState

UNKNOWN_CALLER = "unknown_caller"


class InFlight(Exception):
    """Another worker is creating this caller's record right now: retry the row later."""


def deliver_call_logs(connector, records: list) -> list[WriteResult]:
    """The call-log kind's sender: resolve unknown callers, then write the batch."""
    account = connector.account
    policy = matching.policies_for([account])[account.pk]
    out: list[WriteResult] = []
    to_send = []
    pending = [r for r in records if (r.match or {}) and not r.match.get("resolved", True)]
    # The batch's unknown numbers in a few CRM requests (raises when the CRM did not answer:
    # the batch is retried and the breaker counts it).
    known = lookup_many(account, [r.payload.get("phone") or "" for r in pending])
    try:
        for record in records:
            match = record.match or {}
            if match and not match.get("resolved", True):
                try:
                    outcome = resolve(account, connector, policy, record, known)
                except InFlight as exc:
                    out.append(WriteResult(key=record.key, error=str(exc)))
                    continue
                if isinstance(outcome, Skipped):
                    out.append(outcome)
                    continue
            to_send.append(record)
    finally:  # what was resolved is kept even when a CRM error fails the rest of the batch
        save_resolved(records)
    if to_send:
        out += send_call_logs(connector, to_send)
    return out


def resolve(account, connector, policy, record: SyncRecord, known: dict | None = None):
    """Resolve one row's unknown caller; puts the link on the row (None; `save_resolved`
    writes it) or says Skipped.
    `known`: phone -> matches already looked up for the batch (lookup_many)."""
    phone = record.payload.get("phone") or ""
    agent_user = record.payload.get("owner_crm_id", "")
    if (record.reason_detail or {}).get("owner_source") != "mapped":
        agent_user = ""
    # Live as the policy allows; strict: a CRM that did not answer fails the batch (retried,
    # counted by the breaker) instead of passing for "unknown".
    if known is not None and phone in known:
        found = known[phone]
    else:
        found = lookup(account.tenant, phone, connectors=[account], strict=True)
    found = [m for m in found if m.connector_id == account.pk]
    if found:
        return _save(record, matching.choose(found, policy, agent_user))
    rule = policy.unknown_caller
    base = {**matching.unknown(policy, phone), "resolved": True}
    if rule == UnknownCaller.SKIP:
        _save(record, base)
        return Skipped(key=record.key, reason=UNKNOWN_CALLER, detail={"phone": phone})
    record_type = matching.CREATES.get(rule)
    if not record_type:
        return _save(record, base)
    provider = account.provider
    if not provider.can(Capability.CREATE_RECORDS) or record_type not in provider.creatable_types:
        note = f"{provider.label} cannot create {record_type}s"
        return _save(record, {**base, "note": note})
    try:
        created = create_once(
            account,
            connector,
            record_type,
            phone,
            owner_crm_id=record.payload.get("owner_crm_id", ""),
        )
    except ConnectorError as exc:
        if not exc.permanent:
            raise  # the whole batch is retried; the breaker counts it
        created = None
    if known is not None:  # stored now: the batch's next call from the number reads it
        known.pop(phone, None)
    if created is None:
        return _save(record, {**base, "note": "the CRM refused to create the record"})
    return _save(record, created)


def create_once(
    account, connector, record_type: str, phone: str, *, owner_crm_id: str = "", description=""
) -> dict:
    """Create the caller's record (E.164 `phone`) in the CRM unless a claim says it exists or
    is in flight; the one create-once path of call logs and the widget's "Create in <CRM>".

    Returns the match (source "created"). Raises InFlight while another worker creates it, and
    the CRM's ConnectorError (the claim released, so a later try may create)."""
    claim = _claim(account, phone, record_type)
    if claim.crm_id:  # created before (another call, a retry, a click): link it
        return _created_match(claim.type, claim.crm_id, "")
    new = NewRecord(
        key=f"{account.tenant_id}-{account.pk}-{phone}",
        type=record_type,
        phone=phone,
        last_name=f"Unknown caller {phone}",
        company="Unknown" if record_type == "lead" else "",
        owner_crm_id=owner_crm_id,
        description=description or f"Created by the contact-center portal for a call from {phone}.",
    )
    try:
        crm = connector.create_record(new)
    except Exception:
        CreatedCaller.objects.for_tenant(account.tenant_id).filter(pk=claim.pk, crm_id="").delete()
        raise
    crm.type = crm.type or record_type
    crm.phones = crm.phones or [phone]  # stored findable even if the CRM echoed no number
    store_found(account, [crm])
    CreatedCaller.objects.for_tenant(account.tenant_id).filter(pk=claim.pk).update(
        crm_id=crm.crm_id[:64], type=crm.type, created_at=timezone.now()
    )
    return _created_match(crm.type, crm.crm_id, f"{crm.first_name} {crm.last_name}".strip())


def _claim(account, phone: str, record_type: str) -> CreatedCaller:
    """Our claim on creating (connector, number), or a finished one; InFlight otherwise."""
    now = timezone.now()
    rows = CreatedCaller.objects.for_tenant(account.tenant_id)
    with transaction.atomic():  # its own transaction: the claim is visible before the create
        claim, mine = rows.get_or_create(
            connector=account,
            e164=phone,
            defaults={"tenant_id": account.tenant_id, "type": record_type, "claimed_at": now},
        )
    if mine or claim.crm_id:
        return claim
    stale = now - timedelta(seconds=settings.CALLS_LEASE_SECONDS)
    if claim.claimed_at >= stale:
        raise InFlight("Another delivery is creating this caller's record; retried shortly.")
    # Its creator died. The live lookup before us found nothing in the CRM: take it over.
    taken = rows.filter(pk=claim.pk, crm_id="", claimed_at=claim.claimed_at).update(
        claimed_at=now, type=record_type
    )
    if not taken:
        raise InFlight("Another delivery took over this caller's record; retried shortly.")
    claim.claimed_at = now
    return claim


def _created_match(record_type: str, crm_id: str, name: str) -> dict:
    return {
        "type": record_type,
        "crm_id": crm_id,
        "source": CREATED,
        "candidates": 0,
        "rule": "",
        "name": name,
        "resolved": True,
    }


def save_resolved(records: list) -> None:
    """Write the links `_save` put on the rows: one UPDATE per lease (a batch has one), only on
    rows still ours (leased by us, running); a row taken over meanwhile keeps its own."""
    dirty: dict[tuple, list] = {}
    for record in records:
        if getattr(record, "_resolved_dirty", False):
            dirty.setdefault((record.tenant_id, record.lease), []).append(record)
            record._resolved_dirty = False
    for (tenant_id, lease), rows in dirty.items():
        SyncRecord.objects.for_tenant(tenant_id).filter(
            lease=lease, state=SyncState.RUNNING
        ).bulk_update(rows, ["payload", "match", "reason_detail"])


def _save(record: SyncRecord, match: dict) -> None:
    """Put the link in the payload and the match on the row; `save_resolved` writes it."""
    match = {**match, "resolved": True}
    if "unknown_caller" not in match and not match.get("candidates"):
        match["unknown_caller"] = (record.match or {}).get("unknown_caller", "")
    payload = dict(record.payload)
    payload["contact_crm_id"] = match["crm_id"]
    if match["crm_id"]:
        payload["contact_type"] = match["type"]
    detail = {**(record.reason_detail or {}), "contact_crm_id": match["crm_id"]}
    record.payload, record.match, record.reason_detail = payload, match, detail
    record._resolved_dirty = True
