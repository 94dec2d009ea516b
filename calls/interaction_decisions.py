"""Sync decisions for interactions (email, chat, SMS): one outcome per connector of the tenant.

Checks, first that applies is the reason: unsupported_channel (the CRM kind cannot hold the
channel: provider.interaction_channels / Capability.INTERACTIONS), sync_disabled,
not_authorized, channel_off (not in the call sync settings' `channels`). Otherwise an
InteractionLog is queued in the outbox (kind "interaction_log"): owner from the user mappings
by agent_email (else the default owner), the customer matched in the local store by address
(e-mail: Contact.email case-insensitively; phone: the calls' store lookup, then the live
lookup at delivery: calls/interaction_callers.py), with the connector's matching policy; an
unknown address is logged without a link.

Deciding again (a resend with changed content, a retry) revises the existing rows: a changed
payload re-sends the same record (same key; `crm_record_id` once known), a skip whose reason
no longer holds is sent, `retry=True` also re-queues failed / dead rows as rebuilt.
"""

import hashlib
from dataclasses import asdict
from datetime import datetime

from django.db.models.functions import Lower
from django.utils import timezone

from calls import matching
from calls.decisions import NOT_AUTHORIZED
from calls.interaction_callers import resolve_addresses
from calls.models import CallSyncSettings, Interaction
from connectors import breaker
from connectors.capabilities import Capability
from connectors.models import ConnectorAccount
from connectors.types import InteractionLog, WriteResult
from contacts.batch_lookup import stored_email_matches
from contacts.models import UserMapping
from delivery import kinds, outbox
from delivery.models import SyncRecord, SyncState

INTERACTION_LOG = "interaction_log"
DIRECTION_WORDS = {"in": "Inbound", "out": "Outbound"}
CHANNEL_WORDS = {"email": "email", "chat": "chat", "sms": "SMS"}
OPEN = (SyncState.PENDING, SyncState.RUNNING)


def interaction_key(ix) -> str:
    key = f"{ix.tenant_id}:{ix.interaction_id}"
    if len(key) <= 80:
        return key
    return f"{ix.tenant_id}:" + hashlib.sha256(ix.interaction_id.encode()).hexdigest()[:40]


def decide_interactions(tenant, interactions: list, *, retry: bool = False) -> int:
    """Record or revise decisions; returns how many rows were queued (new or re-queued)."""
    connectors = list(ConnectorAccount.objects.for_tenant(tenant).order_by("pk"))
    existing = {
        (r.connector_id, r.key): r
        for r in SyncRecord.objects.for_tenant(tenant).filter(
            kind=INTERACTION_LOG, interaction__in=[i.pk for i in interactions]
        )
    }
    policies = matching.policies_for(connectors)
    new: list[SyncRecord] = []
    queued = 0
    for connector in connectors:
        conf = CallSyncSettings.for_connector(connector)
        if retry:
            breaker.allow_probe(connector, timezone.now())  # a person asked: probe a pause
        for record in _decide_for_connector(connector, conf, policies[connector.pk], interactions):
            row = existing.get((connector.pk, record.key))
            if row is None:
                new.append(record)
                queued += record.state == SyncState.PENDING
            else:
                queued += _revise(row, record, retry)
    outbox.enqueue_many(new)
    Interaction.objects.for_tenant(tenant).filter(pk__in=[i.pk for i in interactions]).update(
        decided_at=timezone.now()
    )
    return queued


def _decide_for_connector(connector, conf, policy, interactions) -> list[SyncRecord]:
    owners = _owners(connector, interactions)
    phones = {i.address_key for i in interactions if i.channel != "email"}
    emails = {i.address_key for i in interactions if i.channel == "email"}
    found = matching.local_matches(connector, policy, phones) if phones else {}
    found |= stored_email_matches(connector, emails, policy.objects_order) if emails else {}
    out = []
    for ix in interactions:
        record = SyncRecord(
            tenant_id=ix.tenant_id,
            connector=connector,
            kind=INTERACTION_LOG,
            key=interaction_key(ix),
            interaction=ix,
        )
        reason, detail = skip_reason(connector, conf, ix)
        if reason:
            record.state, record.reason, record.reason_detail = SyncState.SKIPPED, reason, detail
        else:
            owner = owners.get(ix.agent_email.lower()) if ix.agent_email else ""
            source = "mapped" if owner else ("default" if conf.default_owner_crm_id else "none")
            owner = owner or conf.default_owner_crm_id
            candidates = found.get(ix.address_key) or []
            match = (
                matching.choose(candidates, policy, owner if source == "mapped" else "")
                if candidates
                else {"type": "", "crm_id": "", "source": "local", "candidates": 0, "rule": ""}
            )
            record.payload = interaction_payload(interaction_log(ix, owner, match))
            record.reason_detail = {"owner_source": source, "contact_crm_id": match["crm_id"]}
            record.match = match
        out.append(record)
    return out


def skip_reason(connector, conf, ix) -> tuple[str, dict]:
    provider = connector.provider
    if not provider.can(Capability.INTERACTIONS) or ix.channel not in (
        provider.interaction_channels or ()
    ):
        return "unsupported_channel", {"channel": ix.channel, "crm": provider.label}
    if not conf.enabled:
        return "sync_disabled", {}
    if connector.status in NOT_AUTHORIZED:
        return "not_authorized", {"status": connector.status}
    if ix.channel not in (conf.channels or ()):
        return "channel_off", {"channel": ix.channel}
    return "", {}


def _revise(row: SyncRecord, record: SyncRecord, retry: bool) -> int:
    """Bring an existing row in line with a new decision; 1 when it was (re-)queued."""
    rows = SyncRecord.objects.for_tenant(row.tenant_id).filter(pk=row.pk, state=row.state)
    now = timezone.now()
    if record.state == SyncState.SKIPPED:
        if row.state != SyncState.SYNCED and (row.state, row.reason) != (
            record.state,
            record.reason,
        ):
            rows.update(
                state=SyncState.SKIPPED,
                reason=record.reason,
                reason_detail=record.reason_detail,
                next_attempt_at=None,
                lease=None,
                locked_until=None,
                updated_at=now,
            )
        return 0
    payload = {**record.payload, "crm_record_id": row.crm_record_id}
    changed = _content(row.payload) != _content(payload)
    due = (
        row.state == SyncState.SKIPPED
        or (row.state in (SyncState.FAILED, SyncState.DEAD) and (retry or changed))
        or (row.state in (SyncState.SYNCED, *OPEN) and changed)
    )
    if not due:
        return 0
    updated = rows.update(
        payload=payload,
        match=record.match,
        reason_detail=record.reason_detail,
        state=SyncState.PENDING,
        reason="",
        attempts=0,
        last_error="",
        next_attempt_at=now,
        lease=None,
        locked_until=None,
        updated_at=now,
    )
    if updated:
        outbox.kick(row.connector_id, INTERACTION_LOG)
    return updated


def _content(payload: dict) -> dict:
    return {k: v for k, v in (payload or {}).items() if k != "crm_record_id"}


def _owners(connector, interactions) -> dict[str, str]:
    """lowercased agent e-mail -> the connector's mapped CRM user."""
    emails = {i.agent_email.lower() for i in interactions if i.agent_email}
    if not emails:
        return {}
    rows = (
        UserMapping.objects.for_tenant(connector.tenant_id)
        .filter(connector=connector)
        .exclude(crm_user_id="")
        .annotate(email_l=Lower("agent_email"))
        .filter(email_l__in=emails)
        .order_by("pk")
    )
    found: dict[str, str] = {}
    for m in rows:
        found.setdefault(m.email_l, m.crm_user_id)
    return found


def interaction_log(ix, owner: str, match: dict) -> InteractionLog:
    words = f"{DIRECTION_WORDS.get(ix.direction, '')} {CHANNEL_WORDS.get(ix.channel, '')}"
    lines = [
        f"Queue: {ix.queue}" if ix.queue else "",
        f"Agent: {ix.agent_email}" if ix.agent_email else "",
        f"Disposition: {ix.disposition}" if ix.disposition else "",
        f"Tags: {', '.join(ix.tags)}" if ix.tags else "",
        f"Notes: {ix.notes}" if ix.notes else "",
    ]
    return InteractionLog(
        key=interaction_key(ix),
        channel=ix.channel,
        direction=ix.direction,
        address=ix.address_key if ix.channel != "email" else ix.address,
        started_at=ix.started_at,
        ended_at=ix.ended_at,
        subject=(ix.subject or f"{words.strip()} {ix.address}")[:255],
        body=ix.body,
        description="\n".join(x for x in lines if x),
        owner_crm_id=owner,
        contact_crm_id=match.get("crm_id", ""),
        contact_type=match.get("type") or "contact",
        queue=ix.queue,
        notes=ix.notes,
        disposition=ix.disposition,
        tags=list(ix.tags or []),
    )


def interaction_payload(log_: InteractionLog) -> dict:
    data = asdict(log_)
    for name in ("started_at", "ended_at"):
        if data[name] is not None:
            data[name] = data[name].isoformat()
    return data


def interaction_log_from(payload: dict) -> InteractionLog:
    data = dict(payload)
    for name in ("started_at", "ended_at"):
        if isinstance(data.get(name), str) and data[name]:
            data[name] = datetime.fromisoformat(data[name])
    return InteractionLog(**data)


def send_interaction_logs(connector, records: list) -> list[WriteResult]:
    """The outbox sender of kind "interaction_log" (registered in CallsConfig.ready)."""
    resolve_addresses(connector, records)  # chat / SMS numbers the store did not know: live
    items = []
    for r in records:
        log_ = interaction_log_from(r.payload)
        log_.crm_record_id = log_.crm_record_id or r.crm_record_id
        items.append(log_)
    try:
        return connector.log_interactions(items)
    except NotImplementedError:  # the CRM kind lost the capability since the decision
        return [kinds.Skipped(key=r.key, reason="unsupported_channel") for r in records]
