"""Screen pop, DNIS extraction and the contact lookups shared by the API, the pages and the widget."""

from dataclasses import dataclass, field

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


def find_contacts(tenant, phone: str, limit: int = MAX_MATCHES) -> list[Contact]:
    if not phone or not isinstance(phone, str):
        return []
    qs = Contact.objects.for_tenant(tenant).by_phone(phone, tenant.default_region)
    return list(qs.select_related("connector").order_by("last_name", "first_name", "id")[:limit])


@dataclass
class ScreenPop:
    url: str | None
    rule: str | None
    dnis: str
    matches: list[Contact] = field(default_factory=list)
    rule_errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "url": self.url,
            "rule": self.rule,
            "dnis": self.dnis,
            "matches": [
                {
                    "crm_id": c.crm_id,
                    "type": "contact",
                    "name": c.name,
                    "id": c.pk,
                    "crm_url": c.crm_url,
                }
                for c in self.matches
            ],
        }


def sorted_rules(tenant) -> list[ScreenPopRule]:
    # Text order by code point in Python, whatever the database collation says.
    return sorted(ScreenPopRule.objects.for_tenant(tenant), key=lambda r: r.key)


def screen_pop(
    tenant, direction: str, phone: str, dnis: str = "", caller_name: str = ""
) -> ScreenPop:
    dnis = dnis or extract_dnis(tenant, caller_name)
    matches = find_contacts(tenant, phone)
    default_url = matches[0].crm_url if len(matches) == 1 and matches[0].crm_url else None
    facts = screenpop.CallFacts(
        direction=screenpop.normalize_direction(direction),
        party_type="contact" if matches else "none",
        lookup_count=len(matches),
        dnis=dnis,
    )
    first = matches[0] if matches else None
    params = {
        "phone": phone,
        "dnis": dnis,
        "crm_id": first.crm_id if first else "",
        "direction": facts.direction,
        "type": facts.party_type,
        "name": first.name if first else "",
        "lookup_count": str(len(matches)),
    }
    result = ScreenPop(url=default_url, rule=None, dnis=dnis, matches=matches)
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
