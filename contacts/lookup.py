"""The one caller lookup (API.md `/lookup/`): calls, tickets, callbacks, routing, screen pop and
the widget all ask `lookup()` who has a number, and `pick()` which record to link.

Interface (issue 13). This first version answers from the local store only; the live search
in each CRM whose policy has `live_lookup` on (in parallel across connectors, bounded by
`live_lookup_timeout_ms`, through the seam, results stored, unknown numbers remembered in a
negative cache) plugs in behind the same two functions.
"""

from dataclasses import dataclass
from datetime import datetime

from connectors.types import CrmContact
from contacts.importer import Importer
from contacts.models import Contact, FieldMapping, MatchingPolicy, MultipleMatches

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

    def as_json(self) -> dict:
        return {
            "connector": self.connector_id,
            "type": self.type,
            "crm_id": self.crm_id,
            "name": self.name,
            "crm_url": self.crm_url,
            "source": self.source,
        }


def _match(contact: Contact, source: str = LOCAL) -> Match:
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


def policies(tenant, connectors) -> dict[int, MatchingPolicy]:
    """connector id -> its policy (the defaults for a connector never configured)."""
    stored = {
        p.connector_id: p
        for p in MatchingPolicy.objects.for_tenant(tenant).filter(connector__in=connectors)
    }
    return {c.pk: stored.get(c.pk) or MatchingPolicy.for_connector(c) for c in connectors}


def lookup(
    tenant, phone: str, *, connectors=None, live: bool = True, timeout_ms: int | None = None
) -> list[Match]:
    """Records with this number, best first per connector: the policy's preferred types in its
    order, then the most recently modified. `connectors`: limit to these accounts (default:
    all the tenant's). `live=False`: the local store only (never waits on a CRM).
    `timeout_ms`: a caller's own bound on the live search (routing), below the policies'."""
    if not phone or not isinstance(phone, str):
        return []
    qs = Contact.objects.for_tenant(tenant).by_phone(phone, tenant.default_region)
    if connectors is not None:
        qs = qs.filter(connector__in=connectors)
    rows = list(qs.order_by("connector_id", "id")[: MAX_MATCHES * 4])
    by_connector = {}
    for row in rows:
        by_connector.setdefault(row.connector_id, []).append(row)
    accounts = [r.connector for r in rows] if connectors is None else list(connectors)
    pols = policies(tenant, {a.pk: a for a in accounts}.values())
    out: list[Match] = []
    for connector_id in sorted(by_connector):
        order = pols[connector_id].objects_order if connector_id in pols else ["contact"]
        found = [r for r in by_connector[connector_id] if r.type in order]
        found.sort(key=lambda r: (order.index(r.type), _newest_first(r)))
        out += [_match(r) for r in found]
    return out[:MAX_MATCHES]


def _newest_first(row: Contact):
    stamp = row.crm_modified_at.timestamp() if row.crm_modified_at else 0.0
    return (-stamp, row.pk)


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
    their phone rows, as an import would; returns the stored rows in the same order."""
    if not records:
        return []
    mapping = dict(
        FieldMapping.objects.for_tenant(account.tenant_id)
        .filter(connector=account)
        .values_list("crm_field", "cc_field")
    )
    region = MatchingPolicy.for_connector(account).region_for(account.tenant)
    Importer(account, region=region, mapping=mapping, mark=0).apply(records)
    rows = {
        (c.type, c.crm_id): c
        for c in Contact.objects.for_tenant(account.tenant_id).filter(
            connector=account, crm_id__in=[r.crm_id for r in records]
        )
    }
    return [rows[(r.type, r.crm_id)] for r in records if (r.type, r.crm_id) in rows]
