"""Inbound routing (seed 001): who should take this caller, decided from the local store only.

The telephony platform calls this while the caller waits, so the hot path is one indexed query
for the caller (two equalities on ContactPhone: E.164, else the trailing digits, the same
matching as `Contact.objects.by_phone`) plus the API-key lookup. The tenant's rules are cached
in-process for RULES_TTL seconds and dropped on every save/delete in this process; other
processes pick a change up within RULES_TTL.
"""

import threading
import time
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.fields.json import KeyTextTransform

from contacts import phones
from contacts.models import ContactPhone, UserMapping
from contacts.phones import normalize
from realtime.models import RoutingKind, RoutingRule

RULES_TTL = 5.0
MAX_CALLER_ROWS = 20  # a switchboard number shared by thousands of contacts must stay cheap

_cache: dict[int, tuple[float, list["RuleSpec"]]] = {}
_lock = threading.Lock()


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
    reason: str  # routed | unknown_caller | no_rule | loop_guard
    rule: RuleSpec | None = None
    contact_ids: list[int] = field(default_factory=list)

    @property
    def message(self) -> str:
        rule = f"rule {self.rule.position} \u201c{self.rule.name}\u201d" if self.rule else ""
        return {
            "routed": f"This caller would go to {self.target} ({rule}).",
            "unknown_caller": "Unknown caller: no contact has this number, so no redirection (204).",
            "no_rule": "Known caller, but no rule matched, so no redirection (204).",
            "loop_guard": f"Loop guard: {rule} picks {self.target}, which is the number "
            "the call is already on, so no redirection (204).",
        }[self.reason]


def invalidate(tenant_id: int) -> None:
    with _lock:
        _cache.pop(tenant_id, None)


def tenant_rules(tenant_id: int) -> list[RuleSpec]:
    now = time.monotonic()
    hit = _cache.get(tenant_id)
    if hit and hit[0] > now:
        return hit[1]
    rows = RoutingRule.objects.filter(tenant_id=tenant_id).order_by("position", "id")
    rules = [
        RuleSpec(r.id, r.position, r.name, r.kind, r.field, r.value, r.bnum, r.target) for r in rows
    ]
    with _lock:
        _cache[tenant_id] = (now + RULES_TTL, rules)
    return rules


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
    """
    region = tenant.default_region
    e164 = normalize(anum, region)
    key = phones.tail(e164 or anum)
    if not e164 and not key:
        return []
    cond = Q(e164=e164) if e164 else Q(tail=key)
    if e164 and key:
        cond |= Q(tail=key)
    qs = ContactPhone.objects.filter(cond, tenant_id=tenant.pk)
    annotations = {
        f"f{i}": KeyTextTransform(name, "contact__fields") for i, name in enumerate(fields)
    }
    if owner:
        mapping = (
            UserMapping.objects.filter(
                tenant_id=tenant.pk,
                connector_id=OuterRef("contact__connector_id"),
                crm_user_id=OuterRef("contact__owner_crm_id"),
            )
            .exclude(crm_user_id="")
            .exclude(agent_phone="")
        )
        annotations["agent_phone"] = Subquery(mapping.order_by().values("agent_phone")[:1])
    exact = Case(
        When(e164=e164 or "-", then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    rows = list(
        qs.annotate(exact=exact, **annotations)
        .order_by("exact", "contact_id")
        .values("contact_id", "exact", "raw", "e164", *annotations)[: MAX_CALLER_ROWS * 4]
    )
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


def decide(tenant, anum: str, bnum: str = "") -> Decision:
    rules = tenant_rules(tenant.pk)
    fields = sorted({r.field for r in rules if r.kind == RoutingKind.FIELD_VALUE})
    owner = any(r.kind == RoutingKind.OWNER for r in rules)
    rows = caller_rows(tenant, anum, fields, owner)
    if not rows:
        return Decision(None, "unknown_caller")
    ids = [r["contact_id"] for r in rows]
    region = tenant.default_region
    for rule in rules:
        target = _apply(rule, rows, fields, bnum, region)
        if target:
            if same_number(target, bnum, region):
                return Decision(target, "loop_guard", rule, ids)
            return Decision(target, "routed", rule, ids)
    return Decision(None, "no_rule", None, ids)


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
