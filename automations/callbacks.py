"""Callback requests -> CRM phone calls, per callback profile (seed 001).

Requests are decided one tenant at a time in the order they were requested (duplicates rule,
age window), then delivered through the outbox (delivery app) as kind "callback".
A callback is open work for the agent, not a call that happened: CallLog status "callback",
no end, no duration, `due_at` set (callback_due): Salesforce writes an open Task, SugarCRM a
planned call, Dynamics 365 a scheduled phone call.
"""

import json

from django.db import transaction

from automations.models import CallbackProfile, CallbackRequest, CallbackState
from automations.services import (
    DryRunError,
    call_sync_settings,
    crm_queues,
    find_contact,
    parse_time,
)
from connectors.types import CallLog, WriteResult
from delivery import outbox
from portal import placeholders
from portal.celery import ring
from portal.phones import normalize
from tenants.models import Tenant

CALLBACK = "callback"  # the outbox kind (registered in AutomationsConfig.ready)

EXAMPLE_CALLBACK = json.dumps(
    {
        "request_id": "cb-1",
        "callback_list": "support-cb",
        "phone": "+420773794804",
        "requested_at": "2026-11-20T10:00:00+01:00",
        "queue": "Support",
        "note": "Please call back",
    }
)


# --- callback requests ------------------------------------------------------------------------------


def accept_callback_requests(tenant, items: list[dict]) -> tuple[int, int]:
    """Store new requests (idempotent by request_id, a unique constraint), then process them."""
    rows = [
        CallbackRequest(
            tenant=tenant, phone_e164=normalize(item["phone"], tenant.default_region) or "", **item
        )
        for item in items
    ]
    ids = {row.request_id for row in rows}
    with transaction.atomic():
        before = CallbackRequest.objects.for_tenant(tenant).filter(request_id__in=ids).count()
        CallbackRequest.objects.bulk_create(rows, ignore_conflicts=True)
        after = CallbackRequest.objects.for_tenant(tenant).filter(request_id__in=ids).count()
        ring(
            "automations.tasks.process_callback_requests", tenant.pk
        )  # best effort: sweep_callbacks finds them
    accepted = after - before
    return accepted, len(rows) - accepted


def profile_for(tenant, callback_list):
    return (
        CallbackProfile.objects.for_tenant(tenant)
        .select_related("connector", "tenant")
        .filter(callback_list=callback_list)
        .first()
    )


def decide_callback(
    request: CallbackRequest, profile, now=None
) -> tuple[str, str, CallbackRequest | None]:
    """(state, reason, bundled_with) for one request; earlier requests must be decided first."""
    if profile is None:
        return (
            CallbackState.SKIPPED,
            f"no callback profile handles the list {request.callback_list!r}",
            None,
        )
    if profile.too_old(request.requested_at, now):
        return (
            CallbackState.SKIPPED,
            f"older than {profile.age} {profile.age_unit} (the profile's age window)",
            None,
        )
    earlier = (
        CallbackRequest.objects.for_tenant(request.tenant_id)
        .open()
        .filter(
            profile=profile,
            state__in=[CallbackState.QUEUED, CallbackState.SYNCED, CallbackState.FAILED],
        )
        .exclude(pk=request.pk)
        .order_by("requested_at", "id")
    )
    earlier = (
        earlier.filter(phone_e164=request.phone_e164)
        if request.phone_e164
        else earlier.filter(phone=request.phone)
    )
    if profile.duplicates == CallbackProfile.Duplicates.IGNORE:
        first = earlier.filter(queue=request.queue).first()
        if first:
            return (
                CallbackState.IGNORED,
                f"request {first.request_id} for this number and queue is still open",
                first,
            )
        return CallbackState.QUEUED, "", None
    first = earlier.first()
    if first:
        return CallbackState.QUEUED, f"bundled with request {first.request_id}", first
    return CallbackState.QUEUED, "", None


def callback_plan(request, profile) -> dict:
    subject = profile.subject or _global_subject(profile.connector, request)
    match = find_contact(profile.tenant, profile.connector, request.phone)
    lines = [
        f"Callback requested at {request.requested_at:%Y-%m-%d %H:%M %Z}",
        f"Call back by {callback_due(request, profile):%Y-%m-%d %H:%M %Z}",
        f"Phone: {request.phone}",
        f"Callback list: {request.callback_list}",
        f"Queue: {request.queue or '-'}",
    ]
    if request.note:
        lines.append(f"Note: {request.note}")
    if request.bundled_with_id:
        first = request.bundled_with
        lines.append(
            f"Bundled with request {first.request_id}"
            + (f" (CRM record {first.crm_record_id})" if first.crm_record_id else "")
        )
    return {
        "subject": subject[:255],
        "description": "\n".join(lines),
        "contact_crm_id": match["crm_id"],
        "contact_type": match["type"] if match["crm_id"] else "contact",
        "queue_crm_id": profile.crm_queue_id,
        "ownership": profile.ownership,
    }


def _global_subject(connector, request) -> str:
    settings = call_sync_settings(connector)
    template = (settings.subject_template if settings else "") or "Callback request {phone}"
    values = {
        "direction": "Callback",
        "phone": request.phone,
        "queue": request.queue,
        "callback_list": request.callback_list,
    }
    try:  # the call-sync template may name call placeholders a callback does not have
        return placeholders.render(template, values, max_length=255)
    except placeholders.TemplateError:
        return f"Callback request {request.phone}"


def resolve_owner(profile) -> str:
    """Ownership rule: the API user (empty owner = the integration's user) or the queue's owner."""
    if profile.ownership != CallbackProfile.Ownership.QUEUE_OWNER:
        return ""
    for queue in crm_queues(profile.connector):
        if queue.crm_id == profile.crm_queue_id:
            return queue.owner_crm_id
    return ""


@transaction.atomic
def process_callback_requests(tenant_id: int) -> int:
    """Decide every received request in arrival order; queue CRM records through the outbox."""
    Tenant.objects.select_for_update().get(pk=tenant_id)  # one processor per tenant at a time
    pending = (
        CallbackRequest.objects.for_tenant(tenant_id)
        .filter(state=CallbackState.RECEIVED)
        .order_by("requested_at", "id")
    )
    done = 0
    for request in pending:
        profile = profile_for(request.tenant, request.callback_list)
        state, reason, first = decide_callback(request, profile)
        request.profile, request.state, request.reason, request.bundled_with = (
            profile,
            state,
            reason,
            first,
        )
        if state == CallbackState.IGNORED:
            request.crm_record_id, request.crm_record_url = (
                first.crm_record_id,
                first.crm_record_url,
            )
        request.save(
            update_fields=[
                "profile",
                "state",
                "reason",
                "bundled_with",
                "crm_record_id",
                "crm_record_url",
            ]
        )
        if state == CallbackState.QUEUED:
            enqueue_callback(request, profile)
        done += 1
    return done


def dry_run_callback(tenant, data) -> dict:
    if not isinstance(data, dict):
        raise DryRunError("Paste one callback request as a JSON object.")
    missing = [
        f for f in ("request_id", "callback_list", "phone", "requested_at") if not data.get(f)
    ]
    if missing:
        raise DryRunError(f"Missing field(s): {', '.join(missing)}.")
    request = CallbackRequest(
        tenant=tenant,
        request_id=str(data["request_id"]),
        callback_list=str(data["callback_list"]),
        phone=str(data["phone"]),
        phone_e164=normalize(str(data["phone"]), tenant.default_region) or "",
        requested_at=parse_time(data["requested_at"]),
        queue=str(data.get("queue", "")),
        note=str(data.get("note", "")),
    )
    rules = []
    for profile in CallbackProfile.objects.for_tenant(tenant).select_related("connector", "tenant"):
        if profile.callback_list != request.callback_list:
            rules.append(
                {
                    "name": profile.name,
                    "connector": profile.connector.name,
                    "matches": False,
                    "reason": f"handles the list {profile.callback_list!r}",
                    "would_create": None,
                }
            )
            continue
        state, reason, first = decide_callback(request, profile)
        request.bundled_with = first if state == CallbackState.QUEUED else None
        if state != CallbackState.QUEUED:
            rules.append(
                {
                    "name": profile.name,
                    "connector": profile.connector.name,
                    "matches": False,
                    "reason": f"{state}: {reason}",
                    "would_create": None,
                }
            )
            continue
        plan = callback_plan(request, profile)
        rules.append(
            {
                "name": profile.name,
                "connector": profile.connector.name,
                "matches": True,
                "reason": reason,
                "would_create": {
                    "Record": f"phone call in {profile.connector.name}",
                    "Subject": plan["subject"],
                    "Queue": plan["queue_crm_id"] or "-",
                    "Owner": profile.get_ownership_display(),
                    "Description": plan["description"],
                },
            }
        )
    return {"rules": rules}


# --- delivery of callback records (through the outbox) ----------------------------------------------


def callback_key(request: CallbackRequest) -> str:
    return f"cc-{request.tenant_id}-cb-{request.request_id}"[:255]


def enqueue_callback(request: CallbackRequest, profile: CallbackProfile):
    return outbox.enqueue(
        profile.connector,
        kind=CALLBACK,
        key=callback_key(request),
        payload={"request": request.pk},
    )


def callback_due(request: CallbackRequest, profile: CallbackProfile):
    """When the agent should call back: open work, never a completed call. The request's
    time (the customer waits from then on); with the profile's age window, by the end of
    the window (after it the request would no longer be synced)."""
    if getattr(profile, "sync_method", "") == CallbackProfile.SyncMethod.AGE_WINDOW:
        return request.requested_at + profile.max_age
    return request.requested_at


def send_callbacks(connector, records) -> list[WriteResult]:
    """Outbox handler: turn leased callback records into CRM phone calls in one batch.

    The plan (subject, contact, owner) is computed at delivery time so the queue owner and the
    first request's CRM record (for bundling) are current; the write is idempotent by key.
    """
    requests = {
        r.pk: r
        for r in CallbackRequest.objects.for_tenant(connector.account.tenant_id)
        .filter(pk__in=[rec.payload.get("request") for rec in records])
        .select_related("profile__connector", "profile__tenant", "bundled_with")
    }
    logs, results = [], []
    for record in records:
        request = requests.get(record.payload.get("request"))
        if request is None or request.profile is None:
            results.append(
                WriteResult(
                    key=record.key,
                    error="The callback request or its profile was deleted",
                    permanent=True,
                )
            )
            continue
        plan = callback_plan(request, request.profile)
        logs.append(
            CallLog(
                key=record.key,
                direction="out",
                phone=request.phone_e164 or request.phone,
                started_at=request.requested_at,
                ended_at=None,
                duration_seconds=0,
                subject=plan["subject"],
                description=plan["description"],
                status="callback",
                owner_crm_id=resolve_owner(request.profile),
                contact_crm_id=plan["contact_crm_id"],
                contact_type=plan["contact_type"],
                queue=request.queue,
                queue_crm_id=request.profile.crm_queue_id,
                due_at=callback_due(request, request.profile),
            )
        )
    if logs:
        results += connector.log_calls(logs)
    by_key = {r.key: r for r in results}
    for record in records:
        request, result = requests.get(record.payload.get("request")), by_key.get(record.key)
        if request is not None and result is not None:
            ok = result.ok
            CallbackRequest.objects.for_tenant(request.tenant_id).filter(pk=request.pk).update(
                state=CallbackState.SYNCED if ok else CallbackState.FAILED,
                crm_record_id=result.crm_id if ok else request.crm_record_id,
                crm_record_url=result.url if ok else request.crm_record_url,
                reason=request.reason if ok else result.error[:300],
            )
            if ok:  # ignored duplicates point at the record their first request created
                CallbackRequest.objects.for_tenant(request.tenant_id).filter(
                    bundled_with=request, state=CallbackState.IGNORED
                ).update(crm_record_id=result.crm_id, crm_record_url=result.url)
    return results
