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

from contacts.lookup import LOCAL, Match, match_of, pick
from contacts.models import Contact, ContactPhone, MatchingPolicy, UnknownCaller
from portal.phones import matches, tail

CREATES = {UnknownCaller.CREATE_CONTACT: "contact", UnknownCaller.CREATE_LEAD: "lead"}


def local_matches(connector, policy: MatchingPolicy, phones) -> dict[str, list[Match]]:
    """E.164 number -> the connector's records with it, best first (lookup()'s order)."""
    phones = {p for p in phones if p}
    if not phones:
        return {}
    ids: dict[str, set[int]] = {}
    rows = ContactPhone.objects.filter(
        tenant_id=connector.tenant_id, contact__connector=connector, e164__in=phones
    ).values_list("e164", "contact_id")
    for phone, contact_id in rows:
        ids.setdefault(phone, set()).add(contact_id)
    # Numbers stored in national format: a shared tail is confirmed with the store's rule
    # (by_phone()): a 7-digit tail alone is not a match. Only for numbers without an exact hit.
    by_tail: dict[str, list[str]] = {}
    for phone in phones - set(ids):
        if tail(phone):
            by_tail.setdefault(tail(phone), []).append(phone)
    if by_tail:
        rows = ContactPhone.objects.filter(
            tenant_id=connector.tenant_id, contact__connector=connector, tail__in=by_tail
        ).values_list("tail", "raw", "e164", "contact_id")
        for key, raw, stored, contact_id in rows:
            for phone in by_tail[key]:
                if matches(raw, stored, phone, phone):
                    ids.setdefault(phone, set()).add(contact_id)
    if not ids:
        return {}
    order = list(policy.objects_order or ["contact"])
    contacts = {
        c.pk: c
        for c in Contact.objects.for_tenant(connector.tenant_id)
        .filter(connector=connector, type__in=order, pk__in=set().union(*ids.values()))
        .only(
            "id",
            "connector_id",
            "type",
            "crm_id",
            "first_name",
            "last_name",
            "email",
            "crm_url",
            "owner_crm_id",
            "crm_modified_at",
        )  # fmt: skip
    }
    out = {}
    for phone, found in ids.items():
        rows = [contacts[i] for i in found if i in contacts]
        rows.sort(key=lambda r: (order.index(r.type), *_newest_first(r)))
        if rows:
            out[phone] = [match_of(r) for r in rows]
    return out


def _newest_first(row: Contact) -> tuple[float, int]:
    stamp = row.crm_modified_at.timestamp() if row.crm_modified_at else 0.0
    return (-stamp, row.pk)


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
