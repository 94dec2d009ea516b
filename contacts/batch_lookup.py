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

from django.db.models.functions import Lower
from django.utils import timezone

from connectors.types import CONTACT
from contacts import live
from contacts.lookup import LIVE, LOCAL, Match, best_first, match_of, policies, store_found
from contacts.models import Contact, ContactPhone
from portal.phones import MIN_MATCH_DIGITS, digits, matches, normalize, tail


def lookup_many(account, phones: list[str]) -> dict[str, list[Match]]:
    """phone -> this connector's records with it (store first, then the CRM), best first."""
    tenant = account.tenant
    pols = policies(tenant, [account])
    policy = pols[account.pk]
    order = policy.objects_order or ["contact"]
    region = policy.region_for(tenant)
    phones = list(dict.fromkeys(p for p in phones if p))
    out = {p: [] for p in phones} | stored_matches(account, phones, order, region)
    misses = [p for p, found in out.items() if not found]
    if not misses or not live.eligible(account, policy, timezone.now()):
        return out
    candidates = {}
    for phone in misses:
        number = normalize(phone, region) or digits(phone)
        if len(digits(number)) >= MIN_MATCH_DIGITS:
            candidates[phone] = number
    unknown = live.known_unknowns(account.pk, candidates.values())  # one cache round trip
    numbers = {p: n for p, n in candidates.items() if n not in unknown}
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
    stored = stored_matches(account, list(numbers), order, region, LIVE) if found else {}
    not_found = []
    for phone, number in numbers.items():
        out[phone] = stored.get(phone, [])
        if not out[phone]:
            not_found.append(number)
    live.remember_unknowns(account.pk, not_found, policy.negative_cache_seconds)
    return out


def stored_matches(account, phones, order, region: str = "", source: str = LOCAL):
    """phone -> the connector's stored records with it, best first, in a bounded number of
    queries whatever the number of phones (numbers in E.164, trailing-digit candidates, the
    records). `region`: how phones not in E.164 are read (the policy's)."""
    keys = {p: (normalize(p, region) if region else "") or p for p in phones if p}
    if not keys:
        return {}
    rows = ContactPhone.objects.filter(
        tenant_id=account.tenant_id, contact__connector=account, e164__in=set(keys.values())
    ).values_list("e164", "contact_id")
    by_e164: dict[str, set[int]] = {}
    for e164, contact_id in rows:
        by_e164.setdefault(e164, set()).add(contact_id)
    ids = {p: set(by_e164[k]) for p, k in keys.items() if k in by_e164}
    # Numbers stored in national format: a shared tail is confirmed with the store's rule
    # (by_phone()): a 7-digit tail alone is not a match. Only for numbers without an exact hit.
    by_tail: dict[str, list[str]] = {}
    for phone in keys.keys() - ids.keys():
        if tail(keys[phone]):
            by_tail.setdefault(tail(keys[phone]), []).append(phone)
    if by_tail:
        rows = ContactPhone.objects.filter(
            tenant_id=account.tenant_id, contact__connector=account, tail__in=by_tail
        ).values_list("tail", "raw", "e164", "contact_id")
        for key, raw, stored, contact_id in rows:
            for phone in by_tail[key]:
                if matches(raw, stored, phone, keys[phone]):
                    ids.setdefault(phone, set()).add(contact_id)
    if not ids:
        return {}
    order = list(order or [CONTACT])
    contacts = {
        c.pk: c
        for c in Contact.objects.for_tenant(account.tenant_id)
        .filter(connector=account, type__in=order, pk__in=set().union(*ids.values()))
        .only(*MATCH_FIELDS)
    }
    out = {}
    for phone, found in ids.items():
        rows = best_first([match_of(contacts[i], source) for i in found if i in contacts], order)
        if rows:
            out[phone] = rows
    return out


MATCH_FIELDS = (
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
)


def stored_email_matches(account, emails, order, source: str = LOCAL) -> dict[str, list[Match]]:
    """Lowercased e-mail -> the connector's stored records with it (Contact.email, compared
    case-insensitively), best first as stored_matches(); one query (interactions' matching)."""
    keys = {e.strip().lower() for e in emails if e and e.strip()}
    if not keys:
        return {}
    order = list(order or [CONTACT])
    rows = (
        Contact.objects.for_tenant(account.tenant_id)
        .filter(connector=account, type__in=order)
        .annotate(email_l=Lower("email"))
        .filter(email_l__in=keys)
        .only(*MATCH_FIELDS)
    )
    found: dict[str, list[Match]] = {}
    for contact in rows:
        found.setdefault(contact.email_l, []).append(match_of(contact, source))
    return {email: best_first(matches, order) for email, matches in found.items()}
