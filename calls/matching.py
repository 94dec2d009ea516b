"""Which CRM record a call is linked to, for a whole decision batch at once.

The batch form of `contacts.lookup.lookup(tenant, phone, connectors=[c], live=False)` followed
by `pick()`: the same local store, the same order (the policy's preferred types, then the most
recently modified) and the same multiple-match rule, but a bounded number of queries per
connector whatever the number of calls (three: numbers in E.164, trailing-digit candidates,
the records). A decision runs inside the fold's transaction holding the calls' row locks, so
it never asks a CRM: a number the store does not know is resolved at delivery time instead
(calls/callers.py), where the live lookup and the unknown-caller rule apply.

The outcome is recorded on the sync record as `match` (API.md "Calls"):
{"type", "crm_id", "source": "local|live|created", "candidates": N, "rule": ..., ...}.
"""

from contacts.batch_lookup import stored_matches
from contacts.lookup import LOCAL, Match, pick
from contacts.models import MatchingPolicy, UnknownCaller

CREATES = {UnknownCaller.CREATE_CONTACT: "contact", UnknownCaller.CREATE_LEAD: "lead"}


def local_matches(connector, policy: MatchingPolicy, phones) -> dict[str, list[Match]]:
    """E.164 number -> the connector's records with it, best first (lookup()'s order)."""
    return stored_matches(connector, phones, policy.objects_order)


def choose(found: list[Match], policy: MatchingPolicy, agent_crm_user_id: str = "") -> dict:
    """The `match` of one call on one connector from its candidates (lookup()'s order)."""
    chosen = pick(found, policy, agent_crm_user_id) if found else None
    competing = [m for m in found if m.type == found[0].type] if found else []
    return {
        "type": chosen.type if chosen else (competing[0].type if competing else ""),
        "crm_id": chosen.crm_id if chosen else "",
        "source": chosen.source if chosen else LOCAL,
        "candidates": len(competing),
        "rule": policy.multiple_matches if len(competing) > 1 else "",
        "name": chosen.name if chosen else "",
    }


def unknown(policy: MatchingPolicy, phone: str) -> dict:
    """The `match` of a call whose number the local store does not know, at decision time.

    `resolved` is False while the delivery still has to look the number up in the CRM and
    apply the unknown-caller rule (calls/callers.py); with the live lookup off and a rule that
    needs no CRM (log unlinked, skip) there is nothing left to do."""
    rule = policy.unknown_caller
    needs_crm = policy.live_lookup or rule in CREATES
    return {
        "type": "",
        "crm_id": "",
        "source": LOCAL,
        "candidates": 0,
        "rule": "",
        "name": "",
        "unknown_caller": rule,
        "resolved": not (phone and needs_crm),
    }


def policies_for(connectors) -> dict[int, MatchingPolicy]:
    """connector id -> its matching policy (the defaults when never saved), in one query."""
    connectors = list(connectors)
    if not connectors:
        return {}
    stored = {
        p.connector_id: p
        for p in MatchingPolicy.objects.for_tenant(connectors[0].tenant_id).filter(
            connector__in=connectors
        )
    }
    # An unsaved policy is the defaults (as MatchingPolicy.for_connector, without its query).
    return {
        c.pk: stored.get(c.pk) or MatchingPolicy(tenant_id=c.tenant_id, connector=c)
        for c in connectors
    }
