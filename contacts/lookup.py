"""The one caller lookup (API.md `/lookup/`): calls, tickets, callbacks, routing, screen pop and
the widget all ask `lookup()` who has a number, and `pick()` which record to link.

The local store first, each connector's number read in its policy's region (`region`, else
the tenant's); on a miss in a connector, the live search in that CRM when its policy has
`live_lookup` on (contacts/live.py: in parallel across connectors, bounded by
`live_lookup_timeout_ms` and the caller's `timeout_ms`, through the HTTP seam, a negative cache
and single flight on the shared cache); what it finds is stored with `store_found`, so the next
lookup is local. `later=True` (routing) answers from the search's records and has a worker
store them (contacts/found.py).
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount
from connectors.types import CONTACT, CrmContact
from contacts import found, live
from contacts.importer import Importer
from contacts.models import Contact, FieldMapping, MatchingPolicy, MultipleMatches
from portal.phones import MAX_INPUT as MAX_PHONE
from portal.phones import MIN_MATCH_DIGITS, digits, normalize

log = logging.getLogger(__name__)

LOCAL, LIVE, CREATED = "local", "live", "created"
MAX_MATCHES = 20


@dataclass(frozen=True)
class Match:
    connector_id: int
    type: str  # contact | lead | account
    crm_id: str
    name: str
    crm_url: str = ""
    source: str = LOCAL  # local | live | created
    contact_id: int | None = None  # the local row (live results are stored, so set too)
    owner_crm_id: str = ""
    modified_at: datetime | None = None
    # lookup(later=True): the CRM's record, not stored yet (contact_id None) until a worker has
    record: CrmContact | None = field(default=None, compare=False, repr=False)

    def as_json(self) -> dict:
        return {
            "connector": self.connector_id,
            "type": self.type,
            "crm_id": self.crm_id,
            "name": self.name,
            "crm_url": self.crm_url,
            "source": self.source,
        }


def match_of(contact: Contact, source: str = LOCAL) -> Match:
    """A stored record as a Match (`source`: how it got into the store)."""
    return Match(
        connector_id=contact.connector_id,
        type=contact.type,
        crm_id=contact.crm_id,
        name=contact.name,
        crm_url=contact.crm_url,
        source=source,
        contact_id=contact.pk,
        owner_crm_id=contact.owner_crm_id,
        modified_at=contact.crm_modified_at,
    )


def match_of_record(connector_id: int, r: CrmContact) -> Match:
    """A record read live and not stored yet as a Match (its name as the store would give)."""
    name = f"{r.first_name or ''} {r.last_name or ''}".strip() or r.crm_id
    return Match(
        connector_id=connector_id,
        type=r.type or CONTACT,
        crm_id=r.crm_id,
        name=name,
        crm_url=r.url or "",
        source=LIVE,
        owner_crm_id=r.owner_crm_id or "",
        modified_at=r.modified_at,
        record=r,
    )


def policies(tenant, connectors) -> dict[int, MatchingPolicy]:
    """connector id -> its policy (the defaults for a connector never configured)."""
    stored = {
        p.connector_id: p
        for p in MatchingPolicy.objects.for_tenant(tenant).filter(connector__in=connectors)
    }
    return {
        c.pk: stored.get(c.pk) or MatchingPolicy(tenant_id=c.tenant_id, connector=c)
        for c in connectors
    }


def lookup(
    tenant,
    phone: str,
    *,
    connectors=None,
    live: bool = True,
    timeout_ms: int | None = None,
    fresh: bool = False,
    strict: bool = False,
    local: bool = True,
    later: bool = False,
) -> list[Match]:
    """Records with this number, best first per connector: the policy's preferred types in its
    order, then the most recently modified. `connectors`: limit to these accounts (default:
    all the tenant's). `live=False`: the local store only (never waits on a CRM).
    `timeout_ms`: a caller's own bound on the live search (routing), below the policies'.
    `fresh`: ignore the negative cache (the phone tester's "search the CRM too").
    `local=False`: the caller has just searched the store itself (routing's one query).
    `later` (routing): what the live search finds is stored by a worker (contacts/found.py),
    the matches carry the CRM's record and no contact_id.
    `strict` (call-log delivery): the search runs in this thread and a CRM that did not
    answer raises ConnectorError instead of counting as "unknown", so a worker never logs a
    known caller unlinked or creates a second record because of a 429, a 5xx or a timeout,
    and the delivery breaker sees the CRM's "wait".

    A connector without a local match is searched live (contacts/live.py) when its policy
    says so; what it finds is stored and returned with source "live". Never raises for a CRM.
    """
    if not phone or not isinstance(phone, str) or not phone.strip():
        return []
    phone = phone.replace("\x00", "").strip()[:MAX_PHONE]
    if connectors is None:
        accounts = list(ConnectorAccount.objects.for_tenant(tenant).order_by("pk"))
    else:
        accounts = [a for a in connectors if a.tenant_id == tenant.pk]
    if not accounts:
        return []
    pols = policies(tenant, accounts)
    by_connector = local_rows(tenant, phone, accounts, pols) if local else {}
    found = {cid: [match_of(r) for r in rows] for cid, rows in by_connector.items()}
    if live:
        misses = [a for a in accounts if a.pk not in by_connector]
        found.update(_live(tenant, phone, misses, pols, timeout_ms, fresh, strict, later))
    out: list[Match] = []
    for connector_id in sorted(found):
        out += best_first(found[connector_id], pols[connector_id].objects_order)
    return out[:MAX_MATCHES]


def local_rows(tenant, phone, accounts, pols) -> dict[int, list[Contact]]:
    """connector id -> its stored records with the number (one query per distinct region)."""
    regions: dict[str, list[int]] = {}
    for account in accounts:
        regions.setdefault(pols[account.pk].region_for(tenant), []).append(account.pk)
    by_connector: dict[int, list[Contact]] = {}
    for region, ids in regions.items():
        qs = Contact.objects.for_tenant(tenant).by_phone(phone, region).filter(connector__in=ids)
        for row in qs.order_by("connector_id", "id")[: MAX_MATCHES * 4]:
            by_connector.setdefault(row.connector_id, []).append(row)
    return by_connector


def _live(tenant, phone, misses, pols, timeout_ms, fresh, strict, later) -> dict[int, list[Match]]:
    now = timezone.now()
    asks = []
    for account in misses:
        policy = pols[account.pk]
        if not live.eligible(account, policy, now):
            continue
        types = tuple(t for t in policy.objects_order if t in account.provider.record_types)
        ms = min(policy.live_lookup_timeout_ms, timeout_ms or policy.live_lookup_timeout_ms)
        e164 = normalize(phone, policy.region_for(tenant))
        number = e164 or digits(phone)
        if types and ms > 0 and len(digits(number)) >= MIN_MATCH_DIGITS:
            asks.append(live.Ask(account, policy, number, e164 or phone, types, ms / 1000))
    if not asks:
        return {}
    out: dict[int, list[Match]] = {}
    try:
        live.search(asks, fresh=fresh, inline=strict or None)
        if strict:
            live.raise_unanswered(asks)
        for ask in asks:
            if ask.records:
                out[ask.account.pk] = _found(ask, later)
    finally:
        live.release(asks)
    done = live.wait_for_others(asks)
    if strict and len(done) < sum(1 for a in asks if a.waited):
        raise ConnectorError("live lookup: another worker is still searching this number")
    for ask in done:  # another lookup asked that CRM meanwhile: its records, if not stored yet
        ask.records = found.recall(ask.account.pk, ask.number)
        if ask.records:
            ask.pending = True
            out[ask.account.pk] = _found(ask, later)
    stored = [a.account for a in done if not a.records]  # ... else they are in the store now
    if stored:
        for cid, rows in local_rows(tenant, phone, stored, pols).items():
            out[cid] = [match_of(r, LIVE) for r in rows]
    return out


def _found(ask, later: bool) -> list[Match]:
    """The matches of what one connector's search found: stored now, or (later) by a worker."""
    if later and (ask.pending or found.defer(ask.account, ask.number, ask.records)):
        return [match_of_record(ask.account.pk, r) for r in ask.records]
    try:
        rows = store_found(ask.account, ask.records)
    except Exception:  # noqa: BLE001 - odd CRM data must not fail a call's lookup
        log.exception("storing live matches of connector %s failed", ask.account.pk)
        return []
    return [match_of(r, LIVE) for r in rows]


def best_first(matches: list[Match], order: list[str] | None) -> list[Match]:
    """One connector's matches of the policy's types, in its order of preference, then the
    most recently modified first (the order every lookup answers in)."""
    order = list(order or [CONTACT])

    def key(m: Match):
        stamp = m.modified_at.timestamp() if m.modified_at else 0.0
        return (order.index(m.type), -stamp, m.contact_id or 0)

    return sorted((m for m in matches if m.type in order), key=key)


def pick(matches: list[Match], policy: MatchingPolicy, agent_crm_user_id: str = "") -> Match | None:
    """The record of one connector a call, ticket or screen pop is linked to (or None).

    `matches` are that connector's, best first (lookup's order). Only the most preferred type
    that has matches competes; several of it -> the policy's multiple_matches rule."""
    if not matches:
        return None
    first_type = matches[0].type
    candidates = [m for m in matches if m.type == first_type]
    if len(candidates) == 1:
        return candidates[0]
    rule = policy.multiple_matches
    if rule == MultipleMatches.MOST_RECENT:
        return candidates[0]
    if rule == MultipleMatches.AGENT_OWNED and agent_crm_user_id:
        owned = [m for m in candidates if m.owner_crm_id == agent_crm_user_id]
        return owned[0] if owned else None
    return None


def store_found(account, records: list[CrmContact]) -> list[Contact]:
    """Upsert records read live from the CRM (or created there) into the local store, with
    their phone rows, as an import would (each type with its CRM object's field mappings, the
    numbers read in the policy's region); returns the stored rows in the same order."""
    if not records:
        return []
    mappings: dict[str, dict[str, str]] = {}
    for crm_field, cc_field, crm_object in (
        FieldMapping.objects.for_tenant(account.tenant_id)
        .filter(connector=account, missing_since=None)
        .values_list("crm_field", "cc_field", "crm_object")
    ):
        mappings.setdefault(crm_object.lower(), {})[crm_field] = cc_field
    region = MatchingPolicy.for_connector(account).region_for(account.tenant)
    types = dict.fromkeys(r.type or CONTACT for r in records)
    for record_type in types:
        crm_object = dict(account.provider.record_objects).get(record_type, record_type)
        mapping = mappings.get(crm_object.lower(), {})
        Importer(account, region=region, mapping=mapping, mark=0).apply(
            [r for r in records if (r.type or CONTACT) == record_type]
        )
    rows = {
        (c.type, c.crm_id): c
        for c in Contact.objects.for_tenant(account.tenant_id).filter(
            connector=account, type__in=list(types), crm_id__in=[r.crm_id for r in records]
        )
    }
    keys = [(r.type or CONTACT, r.crm_id) for r in records]
    stored = [rows[key] for key in dict.fromkeys(keys) if key in rows]
    for contact in stored:  # a number the negative cache called unknown now has a record
        for number in contact.phones or []:
            live.forget_unknown(account.pk, number)
    return stored
