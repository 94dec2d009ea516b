"""Screen pop, DNIS extraction and the caller lookups shared by the API, the pages and the widget.

Every "who is calling" question goes through `contacts.lookup.lookup` (the local store, then a
live search in the CRMs whose policy has it on); `pick` chooses, per connector and by that
connector's matching policy, the one record a default screen pop opens.
"""

from dataclasses import dataclass, field

from connectors.models import ConnectorAccount
from contacts.lookup import Match, lookup, pick, policies
from contacts.models import Contact
from realtime import screenpop
from realtime.models import ScreenPopRule
from tenants import patterns

MAX_MATCHES = 20
MAX_CALLER_NAME = 10_000  # accepted by the API; the DNIS pattern reads the start


def extract_dnis(tenant, caller_name: str) -> str:
    """The DNIS (queue name) inside the caller name, e.g. 'D:Support:0709...' -> 'Support'."""
    # RE2, linear time, on the first patterns.MAX_INPUT characters (tenants/patterns.py);
    # an old value RE2 cannot compile finds nothing rather than breaking the call.
    return patterns.first_group(tenant.dnis_regex, caller_name)


def find_matches(tenant, phone: str) -> list[Match]:
    """The caller's records in every CRM of the tenant, each connector's best first."""
    if not phone or not isinstance(phone, str):
        return []
    return lookup(tenant, phone)[:MAX_MATCHES]


def connectors_of(tenant, matches: list[Match]) -> dict[int, ConnectorAccount]:
    ids = {m.connector_id for m in matches}
    if not ids:
        return {}
    return {a.pk: a for a in ConnectorAccount.objects.for_tenant(tenant).filter(pk__in=ids)}


def chosen(tenant, matches: list[Match], accounts: dict) -> list[Match]:
    """Per connector, the record its policy links (pick); connectors whose rule finds none drop."""
    by_connector: dict[int, list[Match]] = {}
    for m in matches:
        by_connector.setdefault(m.connector_id, []).append(m)
    pols = policies(tenant, [accounts[c] for c in by_connector if c in accounts])
    picks = [pick(group, pols[c]) for c, group in by_connector.items() if c in pols]
    return [p for p in picks if p is not None]


def match_json(m: Match, accounts: dict) -> dict:
    account = accounts.get(m.connector_id)
    return {
        "crm_id": m.crm_id,
        "type": m.type,
        "name": m.name,
        "id": m.contact_id,
        "crm_url": m.crm_url,
        "connector": m.connector_id,
        "connector_name": account.name if account else "",
        "crm_label": account.get_kind_display() if account else "",
    }


@dataclass(frozen=True)
class WidgetRow:
    """One record in the widget: the stored row (names, email, phones) and where it lives."""

    match: Match
    contact: Contact | None
    account: ConnectorAccount | None

    @property
    def crm_url(self) -> str:
        return self.match.crm_url


def widget_rows(tenant, matches: list[Match]) -> list[WidgetRow]:
    ids = [m.contact_id for m in matches if m.contact_id]
    contacts = (
        {c.pk: c for c in Contact.objects.for_tenant(tenant).filter(pk__in=ids)} if ids else {}
    )
    accounts = connectors_of(tenant, matches)
    return [WidgetRow(m, contacts.get(m.contact_id), accounts.get(m.connector_id)) for m in matches]


@dataclass
class ScreenPop:
    url: str | None
    rule: str | None
    dnis: str
    matches: list[Match] = field(default_factory=list)
    rule_errors: list[str] = field(default_factory=list)
    accounts: dict = field(default_factory=dict)  # connector id -> ConnectorAccount
    picked: Match | None = None  # the record a default pop opens

    @property
    def rows(self) -> list[dict]:
        """The matches as the tester shows them (with their CRM; the default form flagged)."""
        return [{**match_json(m, self.accounts), "picked": m == self.picked} for m in self.matches]

    def as_json(self) -> dict:
        return {
            "url": self.url,
            "rule": self.rule,
            "dnis": self.dnis,
            "matches": [match_json(m, self.accounts) for m in self.matches],
        }


def sorted_rules(tenant) -> list[ScreenPopRule]:
    # Text order by code point in Python, whatever the database collation says.
    return sorted(ScreenPopRule.objects.for_tenant(tenant), key=lambda r: r.key)


def screen_pop(
    tenant, direction: str, phone: str, dnis: str = "", caller_name: str = ""
) -> ScreenPop:
    dnis = dnis or extract_dnis(tenant, caller_name)
    matches = find_matches(tenant, phone)
    accounts = connectors_of(tenant, matches)
    picks = chosen(tenant, matches, accounts)
    # One record to open: the policy's pick when exactly one CRM has the caller.
    picked = picks[0] if len(picks) == 1 else None
    first = picked or (matches[0] if matches else None)
    facts = screenpop.CallFacts(
        direction=screenpop.normalize_direction(direction),
        party_type=first.type if first else "none",
        lookup_count=len(matches),
        dnis=dnis,
    )
    params = {
        "phone": phone,
        "dnis": dnis,
        "crm_id": first.crm_id if first else "",
        "direction": facts.direction,
        "type": facts.party_type,
        "name": first.name if first else "",
        "lookup_count": str(len(matches)),
    }
    default_url = picked.crm_url or None if picked else None
    result = ScreenPop(default_url, None, dnis, matches, accounts=accounts, picked=picked)
    for row in sorted_rules(tenant):
        try:
            parsed = screenpop.parse(row.rule)
        except screenpop.RuleError as exc:  # saved before a parser change: skip, report
            result.rule_errors.append(f"{row.key}: {exc}")
            continue
        if parsed.matches(facts):
            result.rule = row.key
            if parsed.url == screenpop.DEFAULT:
                result.url = first.crm_url or None if first else None
            else:
                result.url = screenpop.render_url(parsed.url, params)
            break
    return result
