"""Screen-pop custom-URL rules (seed 002): `condition&&condition=>url-to-pop`.

    direction=inbound&&fromParty.Key=contact&&lookupCount=1=>https://crm.example.com/pop?n={phone}
    direction=inbound&&dnis=1234=>default

Rules are tried by key in *text* order ("02" < "10", so keys should be zero-padded); the first
whose conditions are all true decides. `default` pops the matched record's own CRM form. No
rule true: the default CRM form of the single matched record, else nothing.
"""

import re
import string
from dataclasses import dataclass
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from portal import placeholders

DEFAULT = "default"
DIRECTIONS = {"inbound", "outbound", "queue"}
PARTY_TYPES = {"contact", "lead", "account", "none"}
# Names are matched case-insensitively and stored in the seed's spelling.
CONDITIONS = {
    "direction": "direction",
    "fromparty.key": "fromParty.Key",
    "lookupcount": "lookupCount",
    "dnis": "dnis",
}
PLACEHOLDERS = {"phone", "dnis", "crm_id", "direction", "type", "name", "lookup_count"}
# The telephony API speaks in/out/internal; the seed speaks inbound/outbound/queue.
DIRECTION_ALIASES = {"in": "inbound", "out": "outbound", "internal": "internal"}
KEY_RE = re.compile(r"^[A-Za-z0-9._-]{1,16}$")
_url_validator = URLValidator(schemes=["http", "https"])
MAX_URL = 8000


class RuleError(ValueError):
    """A rule's text is not valid; the message names the problem for the person editing it."""


@dataclass(frozen=True)
class ParsedRule:
    conditions: tuple[tuple[str, str], ...]
    url: str  # a URL template, or DEFAULT

    def matches(self, call: "CallFacts") -> bool:
        return all(_condition_true(name, value, call) for name, value in self.conditions)


@dataclass(frozen=True)
class CallFacts:
    direction: str  # inbound | outbound | queue | internal
    party_type: str  # contact | lead | account | none
    lookup_count: int
    dnis: str


def normalize_direction(value: str) -> str:
    value = (value or "inbound").strip().lower()
    return DIRECTION_ALIASES.get(value, value)


def parse(text: str) -> ParsedRule:
    if not isinstance(text, str) or not text.strip():
        raise RuleError("The rule is empty: write condition=>url, e.g. direction=inbound=>default.")
    text = text.strip()
    if "=>" not in text:
        raise RuleError("Missing '=>' between the condition and the URL (condition=>url).")
    cond_text, url = (part.strip() for part in text.split("=>", 1))
    if not url:
        raise RuleError("Missing the URL after '=>': give an http(s) URL or the keyword default.")
    conditions = tuple(_parse_condition(c) for c in cond_text.split("&&")) if cond_text else ()
    if url.lower() == DEFAULT:
        url = DEFAULT
    else:
        _check_url(url)
    return ParsedRule(conditions, url)


def _parse_condition(text: str) -> tuple[str, str]:
    text = text.strip()
    if not text:
        raise RuleError("Empty condition: two '&&' in a row or a trailing '&&'.")
    if "=" not in text:
        raise RuleError(f"Condition {text!r} has no '=': write name=value, e.g. lookupCount=1.")
    name, value = (p.strip() for p in text.split("=", 1))
    canonical = CONDITIONS.get(name.lower())
    if canonical is None:
        raise RuleError(
            f"Unknown condition {name!r}: use direction, fromParty.Key, lookupCount or dnis."
        )
    if not value:
        raise RuleError(f"Condition {canonical} has no value.")
    if canonical == "direction":
        value = normalize_direction(value)
        if value not in DIRECTIONS:
            raise RuleError(f"Bad direction {value!r}: use inbound, outbound or queue.")
    elif canonical == "fromParty.Key":
        value = value.lower()
        if value not in PARTY_TYPES:
            raise RuleError(f"Bad fromParty.Key {value!r}: use contact, lead, account or none.")
    elif canonical == "lookupCount":
        if not value.isdigit() or len(value) > 6:
            raise RuleError(f"Bad lookupCount {value!r}: use a whole number such as 0 or 1.")
        value = str(int(value))
    return canonical, value


def _check_url(url: str) -> None:
    try:
        parts = [
            (n, spec, conv) for _, n, spec, conv in string.Formatter().parse(url) if n is not None
        ]
    except ValueError as exc:
        raise RuleError(f"Bad URL {url!r}: unbalanced braces ({exc}).") from None
    if any(spec or conv for _, spec, conv in parts):
        raise RuleError(f"Bad URL {url!r}: write placeholders plainly, e.g. {{phone}}.")
    names = {n for n, _, _ in parts}
    unknown = names - PLACEHOLDERS
    if unknown:
        raise RuleError(
            f"Unknown placeholder {{{sorted(unknown)[0]}}} in the URL: use "
            + ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS))
            + "."
        )
    sample = url.format(**{p: "x" for p in PLACEHOLDERS})
    try:
        _url_validator(sample)
    except ValidationError:
        raise RuleError(
            f"Bad URL {url!r}: give a full http(s) URL or the keyword default."
        ) from None


def render_url(template: str, params: dict[str, str]) -> str:
    """Fill {placeholders} with URL-encoded call parameters (placeholders only, whatever an
    old row holds: portal/placeholders.py raises TemplateError, a RuleError, for the rest)."""
    values = {p: quote(str(params.get(p, "") or ""), safe="") for p in PLACEHOLDERS}
    return placeholders.render(template, values, max_length=MAX_URL)


def _condition_true(name: str, value: str, call: CallFacts) -> bool:
    if name == "direction":
        return call.direction == value
    if name == "fromParty.Key":
        return call.party_type == value
    if name == "lookupCount":
        return call.lookup_count == int(value)
    return call.dnis == value  # DNIS labels are case sensitive (seed 002)


def check_key(key: str) -> str:
    if not isinstance(key, str) or not KEY_RE.match(key.strip()):
        raise RuleError("A key is 1-16 letters or digits (., _, - allowed), e.g. 01 or 10.")
    return key.strip()
