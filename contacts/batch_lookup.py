"""The lookup of many numbers in one CRM at once: call-log delivery resolves a batch's
unknown callers with a few requests instead of one search per call.

`contacts.lookup.lookup()` answers one number while somebody waits (routing, screen pop, the
widget), in parallel across CRMs and within a short timeout. A delivery batch holds up to
`provider.batch_size` calls of one connector whose callers the store did not know at
decision time; searching each number alone would cost a CRM request per call (10,000 calls
from new numbers: 10,000 searches before the first write). Here the numbers are re-read in the
store, those the negative cache knows are dropped, and the rest go to the CRM
`provider.phone_search_batch` numbers per request (Salesforce: one SOSL with every number's
terms; a CRM without a multi-number search: one request per number). Nobody waits on the
line here, so the requests have the seam's normal timeouts, as the batch's write has (the
policy's `live_lookup_timeout_ms` bounds the interactive lookups): a CRM slower than that
still gets its calls logged. What is found is stored; numbers still unknown enter the
negative cache. Strict, as delivery needs: a CRM that did not answer raises ConnectorError.
"""

from django.db.models import Q
from django.utils import timezone

from contacts import live
from contacts.lookup import LIVE, Match, _local, match_of, policies, store_found
from contacts.models import ContactPhone
from portal.phones import MIN_MATCH_DIGITS, digits, normalize, tail


def lookup_many(account, phones: list[str]) -> dict[str, list[Match]]:
    """phone -> this connector's records with it (store first, then the CRM), best first."""
    tenant = account.tenant
    pols = policies(tenant, [account])
    policy = pols[account.pk]
    order = policy.objects_order or ["contact"]
    out: dict[str, list[Match]] = {}
    phones = list(dict.fromkeys(p for p in phones if p))
    for phone in _maybe_stored(account, phones, policy.region_for(tenant)):
        rows = _local(tenant, phone, [account], pols).get(account.pk, [])
        out[phone] = _sorted([match_of(r) for r in rows], order)
    for phone in phones:
        out.setdefault(phone, [])
    misses = [p for p, found in out.items() if not found]
    if not misses or not live.eligible(account, policy, timezone.now()):
        return out
    region = policy.region_for(tenant)
    numbers = {}
    for phone in misses:
        number = normalize(phone, region) or digits(phone)
        if len(digits(number)) >= MIN_MATCH_DIGITS and not live.is_known_unknown(
            account.pk, number
        ):
            numbers[phone] = number
    types = tuple(t for t in order if t in account.provider.record_types)
    if not numbers or not types:
        return out
    connector = account.connector
    size = max(1, account.provider.phone_search_batch)
    asked = list(numbers)
    found = []
    for start in range(0, len(asked), size):
        chunk = asked[start : start + size]
        if len(chunk) == 1:
            found += connector.find_contacts_by_phone(chunk[0], record_types=types)
        else:
            found += connector.find_contacts_by_phones(chunk, record_types=types)
    found = [r for r in found if (r.type or "contact") in types]
    if found:
        store_found(account, found)
    stored = set(_maybe_stored(account, list(numbers), region)) if found else set()
    for phone, number in numbers.items():
        rows = _local(tenant, phone, [account], pols).get(account.pk, []) if phone in stored else []
        out[phone] = _sorted([match_of(r, LIVE) for r in rows], order)
        if not rows:
            live.remember_unknown(account.pk, number, policy.negative_cache_seconds)
    return out


def _maybe_stored(account, phones: list[str], region: str) -> list[str]:
    """The phones the store may hold for this connector, in one query (E.164 or trailing
    digits); the others need no per-number lookup. Candidates are confirmed by _local."""
    keys = {}
    for phone in phones:
        e164 = normalize(phone, region)
        keys[phone] = (e164, tail(e164 or phone))
    e164s = {e for e, _t in keys.values() if e}
    tails = {t for _e, t in keys.values() if t}
    hits = set(
        ContactPhone.objects.for_tenant(account.tenant_id)
        .filter(contact__connector=account)
        .filter(Q(e164__in=e164s) | Q(tail__in=tails))
        .values_list("e164", "tail")
    )
    seen_e164 = {e for e, _t in hits}
    seen_tail = {t for _e, t in hits}
    return [p for p, (e, t) in keys.items() if (e and e in seen_e164) or (t and t in seen_tail)]


def _sorted(matches: list[Match], order: list[str]) -> list[Match]:
    kept = [m for m in matches if m.type in order]
    stamp = lambda m: -(m.modified_at.timestamp() if m.modified_at else 0.0)  # noqa: E731
    return sorted(kept, key=lambda m: (order.index(m.type), stamp(m), m.contact_id or 0))
