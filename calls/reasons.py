"""Sync states and reasons in plain words, for the console and the API's `reason_text`."""

from delivery.models import AttemptOutcome, SyncState

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
}
SYNCED_TEXT = {
    "call_log": "logged in the CRM",
    "ticket": "ticket created in the CRM",
    "callback": "callback created in the CRM",
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
        return SYNCED_TEXT.get(record.kind, "written to the CRM")
    if record.state == SyncState.DEAD:
        return f"gave up after {record.attempts} attempt(s): {record.last_error}"
    if record.state == SyncState.FAILED:
        return f"failed, will retry: {record.last_error}"
    if record.state == SyncState.RUNNING:
        return "being sent to the CRM now"
    return "queued for the CRM"


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
