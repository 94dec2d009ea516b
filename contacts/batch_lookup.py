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

from django.utils import timezone

from contacts import live
from contacts.lookup import LIVE, Match, _local, _match, policies, store_found
from portal.phones import MIN_MATCH_DIGITS, digits, normalize


def lookup_many(account, phones: list[str]) -> dict[str, list[Match]]:
    """phone -> this connector's records with it (store first, then the CRM), best first."""
    tenant = account.tenant
    pols = policies(tenant, [account])
    policy = pols[account.pk]
    order = policy.objects_order or ["contact"]
    out: dict[str, list[Match]] = {}
    for phone in dict.fromkeys(p for p in phones if p):
        rows = _local(tenant, phone, [account], pols).get(account.pk, [])
        out[phone] = _sorted([_match(r) for r in rows], order)
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
    for phone, number in numbers.items():
        rows = _local(tenant, phone, [account], pols).get(account.pk, [])
        out[phone] = _sorted([_match(r, LIVE) for r in rows], order)
        if not rows:
            live.remember_unknown(account.pk, number, policy.negative_cache_seconds)
    return out


def _sorted(matches: list[Match], order: list[str]) -> list[Match]:
    kept = [m for m in matches if m.type in order]
    stamp = lambda m: -(m.modified_at.timestamp() if m.modified_at else 0.0)  # noqa: E731
    return sorted(kept, key=lambda m: (order.index(m.type), stamp(m), m.contact_id or 0))
