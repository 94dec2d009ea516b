"""Lookups shared by triggers (automations.triggers) and callbacks (automations.callbacks).

Both create CRM records through the outbox of the delivery app (batched, retried, audited),
keyed so that re-delivery never opens a second ticket or phone call.
"""

from datetime import datetime

from django.core.cache import cache
from django.utils.dateparse import parse_datetime

from calls.matching import choose
from calls.models import CallSyncSettings
from contacts.lookup import lookup
from contacts.models import MatchingPolicy, UserMapping
from portal import dates

QUEUE_CACHE_SECONDS = 60


class DryRunError(Exception):
    pass


def crm_queues(connector):
    """The CRM's live queue list, cached briefly (pickers and validation call it often)."""
    key = f"crm-queues:{connector.pk}:{connector.updated_at.timestamp() if connector.updated_at else 0}"
    queues = cache.get(key)
    if queues is None:
        queues = connector.connector.list_queues()
        cache.set(key, queues, QUEUE_CACHE_SECONDS)
    return queues


# --- shared lookups -----------------------------------------------------------------------------


def customer_phone(call) -> str:
    return call.callee if call.direction == "out" else call.caller


def find_contact(tenant, connector, phone, agent_crm_user_id: str = "") -> dict:
    """The CRM record a ticket or callback is linked to, as calls link theirs: the one lookup
    (local store only: never wait on a CRM here) and the connector's matching policy (its
    preferred record types, its multiple-match rule). Returns the match as recorded on a sync
    record (calls.matching.choose): {"type", "crm_id" ('' = none), "source", "candidates"...}."""
    found = lookup(tenant, phone, connectors=[connector], live=False) if phone else []
    found = [m for m in found if m.connector_id == connector.pk]
    return choose(found, MatchingPolicy.for_connector(connector), agent_crm_user_id)


def match_words(match: dict) -> str:
    """A match for the dry-run: "Lead Jane Doe (00Q...)", or why there is none."""
    if match.get("crm_id"):
        return f"{match['type'].title()} {match['name'] or '-'} ({match['crm_id']})"
    if match.get("candidates"):
        return f"{match['candidates']} {match['type']}s match; the policy links none of them"
    return "no contact found for the number"


def mapped_user(tenant, connector, call) -> UserMapping | None:
    """The agent's mapping to a CRM user on this connector (by agent id, then email)."""
    mappings = (
        UserMapping.objects.for_tenant(tenant).filter(connector=connector).exclude(crm_user_id="")
    )
    mapping = None
    if call.agent_id:
        mapping = mappings.filter(agent_id=call.agent_id).first()
    if mapping is None and call.agent_email:
        mapping = mappings.filter(agent_email__iexact=call.agent_email).first()
    return mapping


def agent_owner(tenant, connector, call) -> tuple[str, str]:
    """(CRM user id, how it was chosen): the agent's mapped CRM user, else the default owner."""
    mapping = mapped_user(tenant, connector, call)
    if mapping:
        return mapping.crm_user_id, f"agent {mapping.agent_id}'s CRM user"
    default = default_owner(connector)
    return (
        default,
        "the default owner" if default else "the integration user (no mapping, no default owner)",
    )


def call_sync_settings(connector) -> CallSyncSettings | None:
    """The account's call sync settings; None while nobody saved any (the defaults apply)."""
    try:
        return connector.call_sync_settings  # the reverse one-to-one, cached on the account
    except CallSyncSettings.DoesNotExist:
        return None


def default_owner(connector) -> str:
    settings = call_sync_settings(connector)
    return settings.default_owner_crm_id if settings else ""


def parse_time(value) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parse_datetime(str(value))
    except ValueError:  # well-formed but impossible, e.g. month 13
        parsed = None
    if parsed is None:
        raise DryRunError(f"{value!r} is not an ISO 8601 time such as 2026-11-20T10:00:05+01:00.")
    if not dates.in_range(parsed):
        raise DryRunError(f"{value!r}: {dates.RANGE_MESSAGE}")
    return parsed
