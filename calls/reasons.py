"""Sync states and reasons in plain words, for the console and the API's `reason_text`."""

from connectors.capabilities import Capability
from delivery.models import AttemptOutcome, SyncState
from tenants.templatetags import portal_dates

REASONS = {
    "private": "not synced: the call is marked private, and private calls are never synced",
    "unclassified": "not synced: the call is unclassified and this connector syncs only work "
    "calls (turn on “sync unclassified” to change that)",
    "sync_disabled": "not synced: call sync is turned off for this connector",
    "not_authorized": "not synced: the connector was not authorized (status {status})",
    "no_connector": "not synced: the tenant has no CRM connector",
    "below_min_duration": "not synced: the call lasted {duration} s, below the {min} s minimum",
    "bad_template": "not synced: its subject template cannot be used ({error}); fix the "
    "template (call sync settings, or the trigger) and later calls are synced",
    "duplicate": "not synced: call {other_call_id} with the same number, started within "
    "{margin} s, is already logged",
    "unknown_caller": "not synced: no record in the CRM has the number {phone}, and this "
    "connector's caller matching skips unknown callers",
    # ticket completions (automations/tickets.py): the ticket stays open in the CRM
    "not_supported": "not completed: {message}; the ticket stays open in the CRM",
    "no_ticket": "not completed: {message}",
    "unsupported_channel": "not synced: {crm} cannot hold {channel} interactions",
    "channel_off": "not synced: the {channel} channel is turned off for this connector "
    "(call sync settings, channels)",
}
SYNCED_TEXT = {
    "call_log": "logged in the CRM",
    "ticket": "ticket created in the CRM",
    "ticket_complete": "ticket completed in the CRM with the call's outcome",
    "callback": "callback created in the CRM",
    "interaction_log": "logged in the CRM",
}
OWNER_SOURCES = {
    "mapped": "owner: the agent's mapped CRM user",
    "default": "owner: the connector's default owner (the agent is not mapped)",
    "none": "owner: the CRM's API user (the agent is not mapped and no default owner is set)",
}


class _Keep(dict):
    def __missing__(self, key):
        return "?"


def reason_text(record) -> str:
    if record.state == SyncState.SKIPPED:
        template = REASONS.get(record.reason, "not synced: {reason}")
        return template.format_map(_Keep(record.reason_detail or {}, reason=record.reason))
    if record.state == SyncState.SYNCED:
        return synced_text(record)
    if record.state == SyncState.DEAD:
        return f"gave up after {record.attempts} attempt(s): {record.last_error}"
    if record.state == SyncState.FAILED:
        return f"failed, will retry: {record.last_error}"
    if record.state == SyncState.RUNNING:
        return "being sent to the CRM now"
    return "queued for the CRM"


# One line for the calls list (the call page says it in full, REASONS above); codes stay in the API.
SHORT_REASONS = {
    "private": "private call: never synced",
    "unclassified": "unclassified call: only work calls are synced",
    "sync_disabled": "call sync is off for this connector",
    "not_authorized": "the connector is not authorized",
    "no_connector": "no CRM connector",
    "below_min_duration": "shorter than the {min} s minimum ({duration} s)",
    "bad_template": "the subject template is broken",
    "duplicate": "already logged as call {other_call_id}",
    "unknown_caller": "unknown caller: skipped",
    "not_supported": "the CRM cannot complete tickets",
    "no_ticket": "no open ticket to complete",
    "unsupported_channel": "{crm} cannot hold {channel}",
    "channel_off": "the {channel} channel is off",
}
SHORT_ERROR = 90


def _clip(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= SHORT_ERROR else text[: SHORT_ERROR - 1].rstrip() + "…"


def short_text(record) -> str:
    """Why, in one short line under the list's badge: "" for a plain success."""
    if record.state == SyncState.SKIPPED:
        template = SHORT_REASONS.get(record.reason, "not synced ({reason})")
        return template.format_map(_Keep(record.reason_detail or {}, reason=record.reason))
    if record.state == SyncState.DEAD:
        n = record.attempts
        return f"gave up after {n} attempt{'' if n == 1 else 's'}: {_clip(record.last_error)}"
    if record.state == SyncState.FAILED:
        when = record.next_attempt_at
        at = f" at {portal_dates.when(when, 'minutes')}" if when else ""
        return f"will retry{at}: {_clip(record.last_error)}"
    return ""


def no_update_text(provider) -> str:
    return provider.no_update_reason or f"{provider.label} cannot update a logged call"


def synced_text(record) -> str:
    """What the last write did: "logged in the CRM", "updated in Salesforce at 12:40",
    "already in the CRM (logged by someone else): linked", or why it could not update."""
    base = SYNCED_TEXT.get(record.kind, "written to the CRM")
    action = getattr(record, "last_action", "")
    provider = record.connector.provider if record.connector_id else None
    if action == "linked":
        return "already in the CRM (logged by someone else): linked"
    if provider is None:
        return base
    if action == "updated":
        when = record.crm_updated_at or record.synced_at
        at = f" at {portal_dates.when(when, 'minutes')}" if when else ""
        return f"updated in {provider.label}{at}"
    late = record.late_updates and record.kind == "call_log"
    if action == "unchanged" or (late and not provider.can(Capability.CALL_UPDATES)):
        return f"{base}; the later data was not written: {no_update_text(provider)}"
    return base


def owner_text(record) -> str:
    return OWNER_SOURCES.get((record.reason_detail or {}).get("owner_source"), "")


STATE_BADGE = {
    SyncState.SYNCED: "ok",
    SyncState.SKIPPED: "muted",
    SyncState.PENDING: "warn",
    SyncState.RUNNING: "warn",
    SyncState.FAILED: "err",
    SyncState.DEAD: "err",
}

ATTEMPT_BADGE = {
    AttemptOutcome.SYNCED: "ok",
    AttemptOutcome.FAILED: "warn",
    AttemptOutcome.DEAD: "err",
    AttemptOutcome.LOST: "warn",
    AttemptOutcome.DISCARDED: "muted",
    AttemptOutcome.SKIPPED: "muted",
}


RULE_WORDS = {
    "most_recent": "linked the most recently modified",
    "agent_owned": "linked the one owned by the call's agent",
}
PENDING_WORDS = {  # not in the local store; the delivery looks it up and applies the rule
    "log_unmatched": "if unknown there, logged without a link",
    "create_contact": "if unknown there, a contact is created and linked",
    "create_lead": "if unknown there, a lead is created and linked",
    "skip": "if unknown there, the call is not logged",
}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def match_text(record) -> str:
    """The sync record's match in words ("2 leads matched; linked the most recently
    modified"); "" when the row was not matched (a skip before matching, tickets of old)."""
    m = record.match or {}
    if not m:
        return ""
    kind, crm = m.get("type") or "record", record.connector.provider.label
    name = f" ({m['name']})" if m.get("name") else ""
    if m.get("source") == "created":
        return f"No match; a {kind} was created in {crm} and linked{name}"
    if m.get("source") == "live":
        return (
            f"No match in the local store; a {kind} found in {crm} by live lookup was linked{name}"
        )
    n = m.get("candidates") or 0
    if n == 1 and m.get("crm_id"):
        return f"1 {kind} matched; linked it{name}"
    if n > 1:
        rule = m.get("rule") or ""
        if m.get("crm_id"):
            return f"{_plural(n, kind)} matched; {RULE_WORDS.get(rule, 'linked one')}{name}"
        if rule == "agent_owned":
            return (
                f"{_plural(n, kind)} matched, none owned by the call's agent: logged without a link"
            )
        return (
            f"{_plural(n, kind)} matched: logged without a link (the policy links none of several)"
        )
    if not m.get("resolved", True):
        rule = PENDING_WORDS.get(m.get("unknown_caller") or "", PENDING_WORDS["log_unmatched"])
        return f"Not in the local store: resolved when the call is sent to {crm} ({rule})"
    if m.get("unknown_caller") == "skip":
        return "No match: the call is not logged (unknown callers are skipped)"
    return "No match: logged without a link" + (f" ({m['note']})" if m.get("note") else "")
