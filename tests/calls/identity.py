"""Helpers of the caller-matching tests: records in the local store, policies, calls."""

from datetime import datetime, timedelta
from types import SimpleNamespace

from django.db import transaction

from calls.decisions import decide_calls
from calls.models import Call
from contacts.models import Contact, ContactPhone, MatchingPolicy
from delivery.models import SyncRecord
from portal.phones import tail

PHONE = "+420773794804"
T0 = datetime.fromisoformat("2026-11-20T10:00:00+01:00")


def stored(tenant, connector, crm_id, phone=PHONE, type="contact", age_days=0, owner=""):
    """A record in the local store, modified `age_days` before T0."""
    row = Contact.objects.create(
        tenant=tenant,
        connector=connector,
        crm_id=crm_id,
        type=type,
        last_name=crm_id,
        phones=[phone],
        owner_crm_id=owner,
        crm_modified_at=T0 - timedelta(days=age_days),
    )
    ContactPhone.objects.create(tenant=tenant, contact=row, raw=phone, e164=phone, tail=tail(phone))
    return row


def policy(connector, **values) -> MatchingPolicy:
    row, _ = MatchingPolicy.objects.for_tenant(connector.tenant_id).update_or_create(
        connector=connector, defaults={"tenant_id": connector.tenant_id, **values}
    )
    return row


def ended_call(tenant, call_id, phone=PHONE, minutes=0, **extra) -> Call:
    started = T0 + timedelta(minutes=minutes)
    fields = {
        "direction": "in",
        "caller": phone,
        "caller_e164": phone,
        "phone_e164": phone,
        "status": "answered",
        "privacy": "work",
        "agent_id": "jdoe",
        "agent_email": "j.doe@acme.com",
        "started_at": started,
        "answered_at": started,
        "ended_at": started + timedelta(seconds=95),
        "duration_seconds": 95,
        "ended": True,
        **extra,
    }
    call = Call.objects.create(tenant=tenant, call_id=call_id, **fields)
    # As the fold hands calls over: with their agent legs (no query per call).
    call.legs = [
        SimpleNamespace(agent_id="jdoe", agent_email="j.doe@acme.com", answered_at=started)
    ]
    return call


def decide(tenant, calls) -> list[SyncRecord]:
    """Decide as the fold does (one transaction; the outbox rows written, not delivered)."""
    with transaction.atomic():
        return decide_calls(tenant, calls)


def record_of(call, connector=None) -> SyncRecord:
    rows = SyncRecord.objects.for_tenant(call.tenant_id).filter(call=call, kind="call_log")
    return rows.get(connector=connector) if connector else rows.get()
