"""Erasure of one person's local data (GDPR art. 17; API.md "Erasure"), by phone or e-mail.

1. The person's rows are found the way the portal matches people: contacts by phone
   (Contact.by_phone: E.164, else confirmed trailing digits) or e-mail; calls whose caller or
   callee is the number (tail candidates confirmed with phones.matches, so a number that merely
   shares its last digits is left alone); interactions (email / chat / SMS) whose address is
   the e-mail (any case) or the number (any format: the stored E.164 or digits key, tail
   candidates confirmed likewise); callback requests of the number.
2. They are deleted: contacts (their phone rows with them; a contact center the contacts were
   pushed to is told through ContactDeletion, as for any deleted contact), calls (their
   activities, CRM sync records and delivery attempts with them), interactions (their CRM sync
   records and delivery attempts with them), the calls' raw events, the callback requests and their outbox rows, the unknown-caller claims of the number.
3. Every other tenant-owned text or JSON column that still holds the number (in the forms seen
   above: E.164, without "+", the national number, the raw strings the matched rows stored) or
   the address is scrubbed: outbox rows and call events naming it are deleted, any other value
   has the occurrence replaced by "[erased]" (delivery attempts' errors, job errors, ...). This
   walks every model, so a table added later is covered without a change here.
Nothing is deleted in the CRMs (they are the master: erase there too, or the next contact sync
imports the person again). One audit entry records who erased and the counts, never the number.
"""

import contextlib
import logging
import re

import phonenumbers
from django.apps import apps
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast

from automations.callbacks import callback_key
from automations.models import CallbackRequest
from calls.models import Call, CallEvent, CreatedCaller, Interaction
from connectors.models import ConnectorAuditEntry
from contacts.importer import delete_contacts
from contacts.models import Contact, ContactPhone
from delivery.models import SyncRecord
from portal import phones
from tenants.fields import EncryptedJSONField
from tenants.scoping import TenantScopedModel

log = logging.getLogger(__name__)

ERASED = "[erased]"
MIN_NEEDLE_DIGITS = 7
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)
# Rows that only exist to carry the person's data: deleted when they name it, not edited.
DELETE_WHEN_NAMED = (SyncRecord, CallEvent, CreatedCaller, ContactPhone)


class NothingToMatch(ValueError):
    """Neither a phone nor an e-mail (or one that cannot be matched)."""


def empty_counts() -> dict:
    return {
        "contacts": 0,
        "calls": 0,
        "interactions": 0,
        "events": 0,
        "callback_requests": 0,
        "other": 0,  # other rows deleted or anonymised because they held the number/address
    }


def _phone_needles(phone: str, e164: str | None) -> set[str]:
    found = {phone.strip()}
    if e164:
        found |= {e164, e164.lstrip("+")}
        with contextlib.suppress(phonenumbers.NumberParseException):
            found.add(str(phonenumbers.parse(e164).national_number))
    return found


def _usable(needle: str) -> bool:
    needle = (needle or "").strip()
    if "@" in needle:
        return len(needle) >= 3
    return len(phones.digits(needle)) >= MIN_NEEDLE_DIGITS


def _matching_calls(tenant, phone: str, e164: str | None) -> list[Call]:
    candidates = Call.objects.for_tenant(tenant).by_phone(phone, tenant.default_region)
    if e164:
        candidates = candidates | Call.objects.for_tenant(tenant).filter(phone_e164=e164)
    return [
        call
        for call in candidates.distinct()
        if call.phone_e164 == e164
        or phones.matches(call.caller, call.caller_e164, phone, e164)
        or phones.matches(call.callee, call.callee_e164, phone, e164)
    ]


def _matching_callbacks(tenant, phone: str, e164: str | None, needles) -> list[CallbackRequest]:
    cond = Q(phone__in=needles)
    if e164:
        cond |= Q(phone_e164=e164)
    key = phones.tail(e164 or phone)
    if key:
        cond |= Q(phone__contains=key[-4:])  # candidates; confirmed below
    rows = CallbackRequest.objects.for_tenant(tenant).filter(cond)
    return [
        r
        for r in rows
        if r.phone_e164 == e164 or phones.matches(r.phone, r.phone_e164, phone, e164)
    ]


def _matching_interactions(tenant, phone: str, e164: str | None) -> list[Interaction]:
    """Chat / SMS interactions with the number: address_key is the E.164 (or the digits when
    it did not parse); a tail candidate is confirmed with phones.matches like calls."""
    keys = {k for k in (e164, phones.digits(phone), phones.digits(e164)) if k}
    cond = Q(address_key__in=keys)
    key = phones.tail(e164 or phone)
    if key:
        cond |= Q(address_key__endswith=key)
    rows = Interaction.objects.for_tenant(tenant).exclude(channel="email").filter(cond)
    return [
        ix
        for ix in rows.only("pk", "address", "address_key")
        if ix.address_key in keys or phones.matches(ix.address, ix.address_key, phone, e164)
    ]


def erase_interactions(tenant, rows, needles: set[str]) -> int:
    """Delete the interactions (their outbox rows and delivery attempts cascade); their
    addresses join the needles so copies elsewhere are scrubbed too."""
    rows = list(rows)
    for ix in rows:
        needles |= {ix.address, ix.address_key}
    ids = [ix.pk for ix in rows]
    deleted = Interaction.objects.for_tenant(tenant).filter(pk__in=ids).delete()[1]
    return deleted.get(Interaction._meta.label, 0)


def needle_pattern(needles) -> re.Pattern:
    """The needles as one regex. A number is not matched inside a longer one: no digit after
    it, and none but leading zeros (trunk / international prefixes) before it, so
    "773794804" matches in "+420773794804" and "0773794804" but not in "17737948041"."""
    parts = []
    for needle in needles:
        part = re.escape(needle)
        if needle[:1].isdigit():
            part = r"(?<![1-9])" + part
        if needle[-1:].isdigit():
            part += r"(?!\d)"
        parts.append(part)
    return re.compile("|".join(parts), re.IGNORECASE)


def _scrub_value(value, pattern: re.Pattern):
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, list):
        return [_scrub_value(v, pattern) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_value(v, pattern) for k, v in value.items()}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return ERASED if pattern.search(str(value)) else value
    return value


def tenant_text_columns():
    """(model, [field names]) of every tenant-owned model's text and JSON columns."""
    for model in apps.get_models():
        if not issubclass(model, TenantScopedModel):
            continue
        names = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, TEXT_FIELDS) and not isinstance(f, EncryptedJSONField)
        ]
        if names:
            yield model, names


def scrub(tenant, needles: set[str]) -> int:
    """Delete or anonymise every remaining row of the tenant that holds one of the needles."""
    needles = sorted({n.strip() for n in needles if _usable(n)}, key=len, reverse=True)
    if not needles:
        return 0
    pattern = needle_pattern(needles)
    touched = 0
    for model, names in tenant_text_columns():
        cond = Q()
        annotations = {}
        for name in names:
            alias = f"_erasure_{name}"
            annotations[alias] = Cast(name, models.TextField())
            for needle in needles:
                cond |= Q(**{f"{alias}__icontains": needle})
        rows = model.objects.for_tenant(tenant).annotate(**annotations).filter(cond)
        if issubclass(model, DELETE_WHEN_NAMED):
            ids = [
                pk
                for pk, *texts in rows.values_list("pk", *annotations)
                if any(pattern.search(t or "") for t in texts)
            ]
            if ids:
                model.objects.for_tenant(tenant).filter(pk__in=ids).delete()
                touched += len(ids)
            continue
        for row in rows.only("pk", *names):
            changed = [
                n for n in names if _scrub_value(getattr(row, n), pattern) != getattr(row, n)
            ]
            for name in changed:
                setattr(row, name, _scrub_value(getattr(row, name), pattern))
            if changed:
                model.objects.for_tenant(tenant).filter(pk=row.pk).update(
                    **{n: getattr(row, n) for n in changed}
                )
                touched += 1
    return touched


def erase(
    tenant,
    *,
    phone: str = "",
    email: str = "",
    more_phones=(),
    actor: str = "system",
    dry_run: bool = False,
) -> dict:
    """Erase the person's data in `tenant`; the counts (API.md "Erasure"). `dry_run`: the
    same work in a transaction rolled back (the confirm step's exact preview)."""
    phone, email = (phone or "").strip(), (email or "").strip()
    numbers = [n for n in dict.fromkeys([phone, *(p.strip() for p in more_phones)]) if n]
    if not numbers and not email:
        raise NothingToMatch("Give a phone or an email.")
    counts = empty_counts()
    needles: set[str] = set()
    with transaction.atomic():
        for number in numbers:
            counts_phone(tenant, number, counts, needles)
        if email:
            contacts = Contact.objects.for_tenant(tenant).filter(email__iexact=email)
            counts["contacts"] += delete_contacts(contacts)
            mails = Interaction.objects.for_tenant(tenant).filter(
                channel="email", address_key=email.lower()
            )
            counts["interactions"] += erase_interactions(tenant, mails, needles)
            needles.add(email)
        counts["other"] += scrub(tenant, needles)
        ConnectorAuditEntry.objects.create(
            tenant_id=tenant.pk,
            connector=None,
            connector_name="Personal data",
            actor=actor,
            action="erasure",
            changes={
                "by": " and ".join(k for k, v in (("phone", numbers), ("email", email)) if v),
                **counts,
            },
        )
        if dry_run:
            transaction.set_rollback(True)
    if not dry_run:
        log.info("erasure", extra={"counts": counts})
    return counts


def counts_phone(tenant, phone: str, counts: dict, needles: set[str]) -> None:
    region = tenant.default_region
    e164 = phones.normalize(phone, region)
    needles |= _phone_needles(phone, e164)
    contacts = Contact.objects.for_tenant(tenant).by_phone(phone, region)
    for raw, stored in (
        ContactPhone.objects.for_tenant(tenant)
        .filter(contact__in=contacts)
        .values_list("raw", "e164")
    ):
        if phones.matches(raw, stored, phone, e164):
            needles |= {raw, stored}
    counts["contacts"] += delete_contacts(contacts)

    calls = _matching_calls(tenant, phone, e164)
    for call in calls:
        for raw, stored in ((call.caller, call.caller_e164), (call.callee, call.callee_e164)):
            if phones.matches(raw, stored, phone, e164):
                needles |= {raw, stored}
    call_ids = [c.call_id for c in calls]
    events = CallEvent.objects.for_tenant(tenant).filter(call_id__in=call_ids)
    counts["events"] += events.delete()[0]
    deleted = Call.objects.for_tenant(tenant).filter(pk__in=[c.pk for c in calls]).delete()[1]
    counts["calls"] += deleted.get(Call._meta.label, 0)

    matched = _matching_interactions(tenant, phone, e164)
    counts["interactions"] += erase_interactions(tenant, matched, needles)

    callbacks = _matching_callbacks(tenant, phone, e164, needles)
    needles |= {r.phone for r in callbacks}
    keys = [callback_key(r) for r in callbacks]
    counts["other"] += (
        SyncRecord.objects.for_tenant(tenant)
        .filter(key__in=keys)
        .delete()[1]
        .get(SyncRecord._meta.label, 0)
    )
    rows = CallbackRequest.objects.for_tenant(tenant).filter(pk__in=[r.pk for r in callbacks])
    counts["callback_requests"] += rows.delete()[1].get(CallbackRequest._meta.label, 0)
    if e164:
        counts["other"] += CreatedCaller.objects.for_tenant(tenant).filter(e164=e164).delete()[0]
    # Events not folded into a call yet (or of another call id) that still name the number
    # are deleted by scrub(); count them as events.
    named = Q()
    for needle in (n for n in needles if _usable(n)):
        named |= Q(_data__icontains=needle)
    if named:
        stray = (
            CallEvent.objects.for_tenant(tenant)
            .annotate(_data=Cast("data", models.TextField()))
            .filter(named)
        )
        ids = list(stray.values_list("pk", flat=True))
        counts["events"] += CallEvent.objects.for_tenant(tenant).filter(pk__in=ids).delete()[0]


def summary(counts: dict) -> str:
    labels = {
        "contacts": "contacts",
        "calls": "calls",
        "events": "call events",
        "callback_requests": "callback requests",
        "interactions": "interactions",
        "other": "other rows",
    }
    return ", ".join(f"{counts.get(k, 0)} {label}" for k, label in labels.items())
