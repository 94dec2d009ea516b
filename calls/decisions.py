"""Sync decisions: when a call ends, one recorded outcome per connector, with its reason.

Order of the checks (the first that applies is the reason): private, sync_disabled,
not_authorized, unclassified, below_min_duration (answered calls only: missed calls are
logged as missed), duplicate (another call with the same customer number already queued or
logged on that connector, started within start_margin_seconds, inclusive). Otherwise the
call is queued as a CallLog. Rows are unique per (connector, kind, key), so deciding twice
changes nothing. Concurrent decisions wait for each other only for the same number on the
same connector (calls/number_locks.py: the duplicate rule); the settings are read, not locked.

The record a call is linked to comes from the local store with the connector's matching
policy (calls/matching.py: lookup(live=False) + pick(), batched) and is recorded as the sync
record's `match`. A number the store does not know is left for the delivery to resolve
(calls/callers.py: live lookup, then the unknown-caller rule), because a decision runs inside
the fold's transaction holding the calls' row locks and must never wait on a CRM; only a
`skip` rule with the live lookup off skips here already (reason unknown_caller).
"""

import hashlib
from collections import defaultdict
from datetime import timedelta

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from calls import matching, number_locks, rollup
from calls.call_logs import CALL_LOG, call_log_payload
from calls.models import Call, CallSyncSettings
from calls.signals import calls_decided
from connectors.models import ConnectorAccount, ConnectorStatus
from connectors.types import CallLog
from contacts.models import UnknownCaller, UserMapping
from delivery import outbox
from delivery.models import SyncRecord, SyncState
from portal import placeholders

NOT_AUTHORIZED = (ConnectorStatus.UNCONFIGURED, ConnectorStatus.DISABLED)
DIRECTION_WORDS = {"in": "Inbound", "out": "Outbound", "internal": "Internal"}


def call_log_key(call) -> str:
    """One CRM record per call and connector (the agent legs are listed in its description)."""
    return _log_key(call.tenant_id, call.call_id)


def _log_key(tenant_id: int, call_id: str) -> str:
    key = f"cc-{tenant_id}-{call_id}"
    if len(key) <= 80:
        return key
    return f"cc-{tenant_id}-" + hashlib.sha256(call_id.encode()).hexdigest()[:40]


def decide_calls(tenant, calls: list) -> list[SyncRecord]:
    """Record decisions for ended, undecided calls (the caller holds their row locks)."""
    calls = sorted(calls, key=lambda c: (c.started_at or c.ended_at, c.call_id))
    connectors = list(ConnectorAccount.objects.for_tenant(tenant).order_by("pk"))
    records: list[SyncRecord] = []
    settings_rows = CallSyncSettings.for_connectors(connectors)  # read, not locked
    # Serialise only what the duplicate rule needs: these numbers on these connectors.
    number_locks.lock_numbers(
        tenant.pk,
        [c.pk for c in connectors if _checks_duplicates(settings_rows[c.pk])],
        {c.phone_e164 for c in calls if c.phone_e164 and c.started_at},
    )
    policies = matching.policies_for(connectors)
    for connector in connectors:
        conf, policy = settings_rows[connector.pk], policies[connector.pk]
        records += _decide_for_connector(connector, conf, policy, calls)
    outbox.enqueue_many(records)
    rollup.decided(tenant, records)  # the dashboard's daily counts, after the commit
    # Announce the decision: the apps above queue their own writes (automations: tickets).
    for _receiver, queued in calls_decided.send(sender=None, tenant=tenant, calls=calls):
        records += queued or []
    return records


def _checks_duplicates(conf: CallSyncSettings) -> bool:
    return bool(conf.enabled and conf.start_margin_seconds)


def _decide_for_connector(connector, conf, policy, calls: list) -> list[SyncRecord]:
    margin = timedelta(seconds=conf.start_margin_seconds)
    recent = _recent_by_phone(connector, calls, margin)
    owners = _owners(connector, calls)
    found = matching.local_matches(connector, policy, {c.phone_e164 for c in calls})
    out = []
    for call in calls:
        reason, detail = _skip_reason(connector, conf, call, recent, margin)
        record = SyncRecord(
            tenant_id=call.tenant_id,
            connector=connector,
            kind=CALL_LOG,
            key=call_log_key(call),
            call=call,
        )
        if not reason:
            try:
                built = _payload(call, conf, policy, owners, found)
                record.payload, record.reason_detail, record.match = built
            except placeholders.TemplateError as exc:  # saved before the check: this call only
                reason, detail = "bad_template", {"error": str(exc)[:500]}
        if not reason and _skip_unknown(record.match):
            reason, detail = UNKNOWN_CALLER, {"phone": call.phone_e164}
        if reason:
            record.state, record.reason, record.reason_detail = SyncState.SKIPPED, reason, detail
        elif call.phone_e164 and call.started_at:
            recent[call.phone_e164].append((call.started_at, call.call_id))
        out.append(record)
    return out


UNKNOWN_CALLER = "unknown_caller"


def decide_one(connector, conf, call) -> tuple[str, dict, tuple | None]:
    """Decide one call for one connector again, as `decide_calls` would today (the call's
    own row on that connector does not count as a duplicate): (reason, detail, built) where
    `built` is (payload, reason_detail, match) when the call is to be sent, else None."""
    policy = matching.policies_for([connector])[connector.pk]
    margin = timedelta(seconds=conf.start_margin_seconds)
    recent = _recent_by_phone(connector, [call], margin)
    reason, detail = _skip_reason(connector, conf, call, recent, margin)
    if reason:
        return reason, detail, None
    found = matching.local_matches(connector, policy, {call.phone_e164})
    try:
        built = _payload(call, conf, policy, _owners(connector, [call]), found)
    except placeholders.TemplateError as exc:
        return "bad_template", {"error": str(exc)[:500]}, None
    if _skip_unknown(built[2]):
        return UNKNOWN_CALLER, {"phone": call.phone_e164}, None
    return "", {}, built


def _skip_unknown(match: dict) -> bool:
    """Skip now: no local match, the rule is skip and nothing is left to ask the CRM."""
    return bool(match.get("resolved")) and match.get("unknown_caller") == UnknownCaller.SKIP


def call_log_payloads(connector, conf: CallSyncSettings, calls: list) -> dict:
    """call pk -> (CallLog payload, reason_detail, match), built as a decision builds them; a
    call whose payload cannot be built (a stored template that is not usable) is left out."""
    policy = matching.policies_for([connector])[connector.pk]
    owners = _owners(connector, calls)
    found = matching.local_matches(connector, policy, {c.phone_e164 for c in calls})
    built = {}
    for call in calls:
        try:
            built[call.pk] = _payload(call, conf, policy, owners, found)
        except placeholders.TemplateError:
            continue
    return built


def _payload(call, conf, policy, owners: dict, found: dict) -> tuple[dict, dict, dict]:
    owner, owner_source = _owner_for(call, owners, conf)
    candidates = found.get(call.phone_e164) or []
    if candidates:
        agent_user = owner if owner_source == "mapped" else ""
        match = matching.choose(candidates, policy, agent_user)
    else:
        match = matching.unknown(policy, call.phone_e164)
    log_ = _call_log(call, conf, owner, match["crm_id"])
    log_.contact_type = match["type"] if match["crm_id"] else log_.contact_type
    payload = call_log_payload(log_)
    return payload, {"owner_source": owner_source, "contact_crm_id": match["crm_id"]}, match


def _skip_reason(connector, conf, call, recent, margin) -> tuple[str, dict]:
    if call.privacy == "private":
        return "private", {}
    if not conf.enabled:
        return "sync_disabled", {}
    if connector.status in NOT_AUTHORIZED:
        return "not_authorized", {"status": connector.status}
    if call.privacy == "unclassified" and not conf.sync_unclassified:
        return "unclassified", {}
    if call.status == "answered" and call.duration_seconds < conf.min_duration_seconds:
        return "below_min_duration", {
            "duration": call.duration_seconds,
            "min": conf.min_duration_seconds,
        }
    if call.phone_e164 and call.started_at and conf.start_margin_seconds:
        for started_at, other in recent.get(call.phone_e164, ()):
            if other != call.call_id and abs(started_at - call.started_at) <= margin:
                return "duplicate", {"other_call_id": other, "margin": conf.start_margin_seconds}
    return "", {}


def _recent_by_phone(connector, calls, margin) -> dict:
    """Calls already queued/logged on this connector near these calls' start times."""
    recent = defaultdict(list)
    phones = {c.phone_e164 for c in calls if c.phone_e164 and c.started_at}
    if not phones:
        return recent
    starts = [c.started_at for c in calls if c.started_at]
    # Two queries, each led by an index whatever the planner's statistics say: the calls by
    # phone and start, then their rows on this connector by the unique (connector, kind, key).
    # One join let a table that grew since its last ANALYZE loop over every call-log row of the
    # connector times the calls in the window (0.2-0.6 s per chunk at 2,000 calls).
    near = (
        Call.objects.for_tenant(connector.tenant_id)
        .filter(
            phone_e164__in=phones,
            started_at__range=(min(starts) - margin, max(starts) + margin),
        )
        .order_by()
        .values_list("phone_e164", "started_at", "call_id")
    )
    by_key = {_log_key(connector.tenant_id, row[2]): row for row in near}
    if not by_key:
        return recent
    rows = (
        SyncRecord.objects.for_tenant(connector.tenant_id)
        .filter(connector=connector, kind=CALL_LOG, key__in=by_key)
        .exclude(state=SyncState.SKIPPED)
        .values_list("id", "key")
    )
    for _id, key in sorted(rows):  # in the rows' order, as before
        phone, started_at, call_id = by_key[key]
        recent[phone].append((started_at, call_id))
    return recent


def _owners(connector, calls) -> dict:
    """(("id", agent_id) | ("email", lower email)) -> crm_user_id of the connector's mappings."""
    ids = {c.agent_id for c in calls if c.agent_id}
    emails = {c.agent_email.lower() for c in calls if c.agent_email}
    if not ids and not emails:
        return {}
    rows = (
        UserMapping.objects.for_tenant(connector.tenant_id)
        .filter(connector=connector)
        .exclude(crm_user_id="")
        .annotate(email_l=Lower("agent_email"))
        .filter(Q(agent_id__in=ids) | Q(email_l__in=emails))
        .order_by("pk")
    )
    found = {}
    for m in rows:
        found.setdefault(("id", m.agent_id), m.crm_user_id)
        if m.email_l:
            found.setdefault(("email", m.email_l), m.crm_user_id)
    return found


def _owner_for(call, owners: dict, conf) -> tuple[str, str]:
    owner = owners.get(("id", call.agent_id)) or owners.get(("email", call.agent_email.lower()))
    if owner:
        return owner, "mapped"
    if conf.default_owner_crm_id:
        return conf.default_owner_crm_id, "default"
    return "", "none"


def subject_for(call, template: str) -> str:
    """The CRM record's subject; TemplateError when the stored template is not usable."""
    values = {
        "direction": DIRECTION_WORDS.get(call.direction, "Phone"),
        "phone": call.customer_phone or call.phone_e164,
        "caller": call.caller,
        "callee": call.callee,
        "queue": call.queue,
        "agent": call.agent_email or call.agent_id,
        "status": call.status,
        "duration": call.duration_seconds,
        "disposition": call.disposition,
    }
    subject = placeholders.render(template, values, max_length=255)
    if call.status and call.status != "answered":
        subject = f"{subject} ({call.status})"
    return subject[:255]


def _call_log(call, conf, owner: str, contact: str) -> CallLog:
    legs = [
        f"- {a.agent_email or a.agent_id or 'unknown agent'}"
        + (" (answered)" if a.answered_at else "")
        for a in getattr(call, "legs", None) or call.activities.all()
    ]
    lines = [f"Queue: {call.queue}" if call.queue else "", f"Wait: {call.wait_seconds} s"]
    if legs:
        lines += ["Agents:", *legs]
    if call.recording_url:
        lines.append(f"Recording: {call.recording_url}")
    return CallLog(
        key=call_log_key(call),
        direction=call.direction or "in",
        phone=call.phone_e164 or call.customer_phone,
        started_at=call.started_at or call.ended_at or timezone.now(),
        ended_at=call.ended_at,
        duration_seconds=call.duration_seconds,
        subject=subject_for(call, conf.subject_template),
        description="\n".join(x for x in lines if x),
        status=call.status or "answered",
        owner_crm_id=owner,
        contact_crm_id=contact,
        queue=call.queue,
        recording_url=call.recording_url,
        # The wrap-up: each connector writes it to its CRM's own fields, else the description.
        notes=call.notes,
        disposition=call.disposition,
        tags=list(call.tags or []),
    )


TEMPLATE_FIELDS = (
    "direction",
    "phone",
    "caller",
    "callee",
    "queue",
    "agent",
    "status",
    "duration",
    "disposition",
)


def check_template(template: str) -> str:
    """'' when the subject template is usable, else what is wrong with it."""
    return placeholders.template_problem(template, TEMPLATE_FIELDS)
