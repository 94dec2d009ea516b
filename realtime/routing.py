"""Inbound routing (seed 001): who should take this caller, decided while the caller waits.

The hot path (a caller the local store knows) is one indexed query for the caller (two
equalities on ContactPhone: E.164, else the trailing digits, the same matching as
`Contact.objects.by_phone`) plus the API-key lookup. The tenant's rules are cached
(portal.cache, on Django's cache) for RULES_TTL seconds and dropped on every save/delete; a
process that does not share that cache picks a change up within RULES_TTL.

Only on a miss does routing ask the CRMs: `contacts.lookup.lookup(..., live=True)` on the
tenant's authorized connectors whose matching policy has live lookup on, bounded by the routing
budget (settings.ROUTING_LIVE_LOOKUP_MS, below the telephony platform's own wait), so the
endpoint answers in time whatever the CRMs do. The rules are applied to the records the search
returned (`rows_for_records`: the mapped fields, the owner's agent phone), and a Celery worker
stores them (lookup(later=True), contacts/found.py; until then the next lookup of the number
uses the cached records, never the CRM), so the next call from that number takes the hot
path; the web worker does not spend its CPU on the ORM upsert while known callers wait on its
GIL. An unknown number is remembered by the lookup's negative cache. Records of every type
(contact, lead, account) count for the rules.
"""

import functools
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from connectors.models import ConnectorAccount
from contacts import live
from contacts.lookup import lookup
from contacts.models import Contact, ContactPhone, MatchingPolicy, UserMapping
from portal import phones
from portal.cache import TTLCache
from portal.phones import normalize
from realtime.models import RoutingKind, RoutingRule
from realtime.routing_live import rows_for_records

RULES_TTL = 5.0
MAX_CALLER_ROWS = 20  # a switchboard number shared by thousands of contacts must stay cheap

_rules = TTLCache("realtime:routing-rules", seconds=RULES_TTL)
# The connectors a miss may ask live (authorized, policy's live_lookup on): read on misses only.
_live = TTLCache("realtime:routing-live-connectors", seconds=RULES_TTL)
# Records of several types for one caller: contacts first, then leads, then accounts.
TYPE_RANK = "CASE c.type WHEN 'contact' THEN 0 WHEN 'lead' THEN 1 ELSE 2 END"


@dataclass(frozen=True)
class RuleSpec:
    id: int
    position: int
    name: str
    kind: str
    field: str
    value: str
    bnum: str
    target: str


@dataclass
class Decision:
    target: str | None
    reason: str  # routed | unknown_caller | no_rule | no_rules | loop_guard
    rule: RuleSpec | None = None
    contact_ids: list[int] = field(default_factory=list)
    source: str = "local"  # local | live (found by the live CRM search on a miss)
    # The tester's "why": (rule, why it did not match) for each rule tried before the outcome
    # (decide(..., explain=True) only; the API's hot path does not compute them).
    skipped: list[tuple[RuleSpec, str]] = field(default_factory=list)

    @property
    def message(self) -> str:
        rule = f"rule {self.rule.position} \u201c{self.rule.name}\u201d" if self.rule else ""
        text = {
            "routed": f"This caller would go to {self.target} ({rule}).",
            "unknown_caller": "Unknown caller: no CRM record has this number (in the portal's "
            "store or, where live lookup is on, in the CRM), so no redirection (204).",
            "no_rule": "Known caller, but no rule matched, so no redirection (204).",
            "no_rules": "There are no routing rules, so no redirection (204).",
            "loop_guard": f"Loop guard: {rule} picks {self.target}, which is the number "
            "the call is already on, so no redirection (204).",
        }[self.reason]
        if self.source == "live":
            text += " The caller was found by a live search in the CRM (now stored)."
        return text


def invalidate(tenant_id: int) -> None:
    _rules.forget(tenant_id)
    _live.forget(tenant_id)


def live_budget_ms() -> int:
    """How long a miss may wait on the live CRM search (the routing budget)."""
    return int(settings.ROUTING_LIVE_LOOKUP_MS)


def live_connector_ids(tenant_id: int) -> list[int]:
    return _live.get(tenant_id, lambda: _load_live(tenant_id))


def _load_live(tenant_id: int) -> list[int]:
    # A connector never configured has the default policy: live lookup on.
    off = set(
        MatchingPolicy.objects.for_tenant(tenant_id)
        .filter(live_lookup=False)
        .values_list("connector_id", flat=True)
    )
    usable = ConnectorAccount.objects.for_tenant(tenant_id).usable().order_by("id")
    return [pk for pk in usable.values_list("pk", flat=True) if pk not in off]


def tenant_rules(tenant_id: int) -> list[RuleSpec]:
    return _rules.get(tenant_id, lambda: _load_rules(tenant_id))


def _load_rules(tenant_id: int) -> list[RuleSpec]:
    rows = RoutingRule.objects.filter(tenant_id=tenant_id).order_by("position", "id")
    return [
        RuleSpec(r.id, r.position, r.name, r.kind, r.field, r.value, r.bnum, r.target) for r in rows
    ]


def same_number(a: str, b: str, region: str) -> bool:
    """True when two numbers are the same line in any format (the loop guard)."""
    if not a or not b:
        return False
    na, nb = normalize(a, region), normalize(b, region)
    if na and nb:
        return na == nb
    return phones.same_number(a, b) or phones.digits(a) == phones.digits(b) != ""


def caller_rows(tenant, anum: str, fields: list[str] = (), owner: bool = False) -> list[dict]:
    """The caller's matching phone rows (one per contact), exact E.164 hits preferred.

    Only what the rules need is selected: the named `fields` of the contact's JSON and, with
    `owner`, the owner's mapped agent phone (a correlated subquery, so still one round trip).
    Hand-written SQL because building the equivalent ORM query (annotations, subquery) cost
    more CPU than the indexed query itself (~4 ms vs ~0.3 ms, see bench/routing.py).
    """
    region = tenant.default_region
    e164 = normalize(anum, region)
    key = phones.tail(e164 or anum)
    if not e164 and not key:
        return []
    sql, params = _caller_sql(len(fields), owner), {"t": tenant.pk, "e": e164 or "", "k": key}
    params.update({f"f{i}": name for i, name in enumerate(fields)})
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    if rows and rows[0]["exact"] == 0:  # E.164 hits win; trailing digits are the fallback
        rows = [r for r in rows if r["exact"] == 0]
    else:  # a tail is only a candidate: confirm that the digits really end the same way
        rows = [r for r in rows if phones.matches(r["raw"], r["e164"], anum, e164)]
    seen, unique = set(), []
    for row in rows:
        if row["contact_id"] not in seen:
            seen.add(row["contact_id"])
            unique.append(row)
    return unique[:MAX_CALLER_ROWS]


@functools.cache
def _caller_sql(n_fields: int, owner: bool) -> str:
    phone, contact = ContactPhone._meta.db_table, Contact._meta.db_table
    cols = _rule_columns(n_fields, owner)
    # Only table names from _meta are interpolated; every value is a bound parameter.
    return (
        f"SELECT p.contact_id, p.raw, p.e164, CASE WHEN p.e164 = %(e)s THEN 0 ELSE 1 END AS exact"  # noqa: S608
        f"{cols} FROM {phone} p JOIN {contact} c ON c.id = p.contact_id"
        " WHERE p.tenant_id = %(t)s AND (p.e164 = %(e)s OR p.tail = %(k)s)"
        f" ORDER BY exact, {TYPE_RANK}, p.contact_id LIMIT {MAX_CALLER_ROWS * 4}"
    )


def _rule_columns(n_fields: int, owner: bool) -> str:
    mapping = UserMapping._meta.db_table
    cols = [f", c.fields ->> %(f{i})s AS f{i}" for i in range(n_fields)]
    if owner:
        cols.append(
            f", (SELECT m.agent_phone FROM {mapping} m WHERE m.tenant_id = %(t)s"  # noqa: S608
            " AND m.connector_id = c.connector_id AND m.crm_user_id = c.owner_crm_id"
            " AND m.crm_user_id <> '' AND m.agent_phone <> '' LIMIT 1) AS agent_phone"
        )
    return "".join(cols)


def rows_for_contacts(tenant, ids: list[int], fields: list[str], owner: bool) -> list[dict]:
    """The rule columns of these contacts (the ones a live search just stored), in id order."""
    ids = sorted({int(i) for i in ids})[:MAX_CALLER_ROWS]
    if not ids:
        return []
    marks = ", ".join(f"%(i{n})s" for n in range(len(ids)))
    sql = (
        "SELECT c.id AS contact_id, 0 AS exact"  # noqa: S608 (table names from _meta only)
        f"{_rule_columns(len(fields), owner)} FROM {Contact._meta.db_table} c"
        f" WHERE c.tenant_id = %(t)s AND c.id IN ({marks}) ORDER BY {TYPE_RANK}, c.id"
    )
    params = {"t": tenant.pk, **{f"i{n}": pk for n, pk in enumerate(ids)}}
    params.update({f"f{i}": name for i, name in enumerate(fields)})
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def live_rows(tenant, anum: str, fields: list[str], owner: bool) -> list[dict]:
    """A miss: ask the live-lookup connectors, within the routing budget (never longer)."""
    ids = live_connector_ids(tenant.pk)
    e164 = normalize(anum, tenant.default_region)
    if not ids or not (e164 or phones.tail(anum)):
        return []
    # The common miss is a number every CRM already said it does not know: answer from the
    # negative cache without reading accounts and policies (a connector with its own region
    # keys the number differently and is asked through lookup as usual).
    if e164 and all(live.is_known_unknown(cid, e164) for cid in ids):
        return []
    accounts = list(ConnectorAccount.objects.for_tenant(tenant).filter(pk__in=ids))
    for account in accounts:  # the search reads its tenant (region, zone): no query for it
        account.tenant = tenant
    matches = lookup(
        tenant, anum, connectors=accounts, timeout_ms=live_budget_ms(), local=False, later=True
    )  # local=False: caller_rows() has just searched the store
    stored = [m.contact_id for m in matches if m.contact_id]  # read by another lookup meanwhile
    rows = rows_for_contacts(tenant, stored, fields, owner) if stored else []
    pending = [m for m in matches if m.record is not None and not m.contact_id]
    return rows + rows_for_records(tenant, accounts, pending, fields, owner)


def decide(tenant, anum: str, bnum: str = "", *, explain: bool = False) -> Decision:
    rules = tenant_rules(tenant.pk)
    if not rules:  # nothing could match: answer without looking the caller up
        return Decision(None, "no_rules")
    fields = sorted({r.field for r in rules if r.kind == RoutingKind.FIELD_VALUE})
    owner = any(r.kind == RoutingKind.OWNER for r in rules)
    rows, source = caller_rows(tenant, anum, fields, owner), "local"
    if not rows:  # not in the store: the live search, bounded by the routing budget
        rows, source = live_rows(tenant, anum, fields, owner), "live"
    if not rows:
        return Decision(None, "unknown_caller")
    ids = [r["contact_id"] for r in rows if r["contact_id"]]  # a live record may not be stored yet
    region = tenant.default_region
    skipped = []
    for rule in rules:
        target = _apply(rule, rows, fields, bnum, region)
        if target:
            reason = "loop_guard" if same_number(target, bnum, region) else "routed"
            return Decision(target, reason, rule, ids, source, skipped)
        if explain:
            skipped.append((rule, why_skipped(rule, rows, fields, bnum)))
    return Decision(None, "no_rule", None, ids, source, skipped)


def why_skipped(rule: RuleSpec, rows: list[dict], fields: list[str], bnum: str) -> str:
    """Why `rule` gave no target for this caller, in words (the tester)."""
    if rule.kind == RoutingKind.OWNER:
        return (
            "no record of this caller has an owner mapped to an agent with a phone "
            "(Contacts & Mappings > User mappings)"
        )
    if rule.kind == RoutingKind.FIELD_VALUE:
        column = f"f{fields.index(rule.field)}"
        seen = sorted({str(r[column]) for r in rows if r.get(column) not in (None, "")})
        have = ", ".join(f"\u201c{v}\u201d" for v in seen) if seen else "empty"
        return f"the caller's {rule.field} is {have}, not \u201c{rule.value}\u201d"
    if rule.kind == RoutingKind.BNUM:
        on = bnum or "no number (bnum not given)"
        return f"the call is on {on}, not {rule.bnum}"
    return "unknown rule kind"


def _apply(rule: RuleSpec, rows: list[dict], fields: list[str], bnum: str, region: str) -> str:
    if rule.kind == RoutingKind.OWNER:
        for row in rows:
            if row.get("agent_phone"):
                phone = row["agent_phone"]
                return normalize(phone, region) or phone.strip()
        return ""
    if rule.kind == RoutingKind.FIELD_VALUE:
        column = f"f{fields.index(rule.field)}"
        return rule.target if any(r[column] == rule.value for r in rows) else ""
    if rule.kind == RoutingKind.BNUM:
        return rule.target if same_number(rule.bnum, bnum, region) else ""
    return ""
