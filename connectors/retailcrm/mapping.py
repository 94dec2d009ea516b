"""retailCRM records <-> the portal's plain data (connectors/types.py).

retailCRM writes and reads datetimes as "Y-m-d H:i:s" in the account's own time zone; we use
the tenant's time zone (set it to the retailCRM account's, see docs/connectors/retailcrm.md).
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from connectors.types import ACCOUNT, CallLog, CrmContact, NewRecord
from portal.phones import normalize, tail

DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
# Our call status -> retailCRM `result` (failed, answered, busy, no answer, not allowed, unknown).
RESULTS = {"answered": "answered", "missed": "no answer", "abandoned": "no answer", "busy": "busy"}
# Call status -> retailCRM hangupStatus (answered, busy, cancel, failed, no answer).
HANGUP_STATUS = {
    "answered": "answered",
    "missed": "no answer",
    "busy": "busy",
    "abandoned": "cancel",
}
EVENT_TYPES = {"ringing", "ended", "missed"}  # the API.md event types retailCRM has a use for


def crm_time(value: datetime, tz: ZoneInfo) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz).strftime(DATE_FORMAT)


def parse_time(value, tz: ZoneInfo) -> datetime | None:
    try:
        return datetime.strptime(str(value), DATE_FORMAT).replace(tzinfo=tz)
    except (TypeError, ValueError):
        return None


def contact_from(customer: dict, tz: ZoneInfo, url: str = "") -> CrmContact:
    phones = [p.get("number", "") for p in customer.get("phones") or [] if isinstance(p, dict)]
    company = customer.get("company") or customer.get("mainCompany") or {}
    fields = {k: v for k, v in customer.items() if k != "customFields"}
    fields.update({f"customFields.{k}": v for k, v in (customer.get("customFields") or {}).items()})
    return CrmContact(
        crm_id=str(customer["id"]),
        first_name=customer.get("firstName") or "",
        last_name=customer.get("lastName") or "",
        email=customer.get("email") or "",
        phones=[p for p in phones if p],
        account=company.get("name", "") if isinstance(company, dict) else "",
        owner_crm_id=str(customer.get("managerId") or ""),
        fields=fields,
        modified_at=parse_time(customer.get("createdAt"), tz),
        url=url,
    )


def contact_person_ids(corporate: dict) -> list[int]:
    """The customers behind a corporate customer's contact persons, the main one first."""
    people = sorted(
        (p for p in corporate.get("customerContacts") or [] if isinstance(p, dict)),
        key=lambda p: not p.get("isMain"),
    )
    ids = [(p.get("customer") or {}).get("id") for p in people]
    return [int(i) for i in ids if str(i).isdigit()]


def corporate_from(corporate: dict, people: dict, tz: ZoneInfo, url: str = "") -> CrmContact:
    """A corporate customer as an account: nickName is its name and its company; it has no
    numbers of its own, so its phones (and email) are its contact persons' (`people`: the
    individual customers by id, main contact person first)."""
    persons = [people[i] for i in contact_person_ids(corporate) if i in people]
    phones = [p.get("number", "") for c in persons for p in c.get("phones") or []]
    nick = corporate.get("nickName") or ""
    return CrmContact(
        crm_id=str(corporate["id"]),
        last_name=nick,
        email=next((c.get("email") for c in persons if c.get("email")), ""),
        phones=list(dict.fromkeys(p for p in phones if p)),
        account=nick,
        owner_crm_id=str(corporate.get("managerId") or ""),
        fields={k: v for k, v in corporate.items() if k != "customFields"},
        modified_at=parse_time(corporate.get("createdAt"), tz),
        url=url,
        type=ACCOUNT,
    )


def new_customer(record: NewRecord) -> dict:
    """POST /customers/create: our key is the externalId, so a retry finds what it made."""
    customer = {
        "externalId": record.key[:255],
        "firstName": record.first_name,
        "lastName": record.last_name,
        "phones": [{"number": record.phone}],
    }
    if record.email:
        customer["email"] = record.email
    if record.owner_crm_id.isdigit():
        customer["managerId"] = int(record.owner_crm_id)
    return {k: v for k, v in customer.items() if v not in ("", None)}


def same_number(a: str, b: str, region: str) -> bool:
    """E.164 equality; trailing digits only when `b` was typed without a country code."""
    na, nb = normalize(a, region), normalize(b, region)
    if na and na == nb:
        return True
    if na and nb and b.strip().lstrip("(").startswith(("+", "00")):
        return False
    return bool(tail(a)) and tail(a) == tail(b)


def upload_item(call: CallLog, tz: ZoneInfo, code: str = "") -> dict:
    item = {
        "date": crm_time(call.started_at, tz),
        "type": "in" if call.direction == "in" else "out",
        "phone": call.phone,
        "result": RESULTS.get(call.status, "unknown"),
        "duration": max(0, int(call.duration_seconds or 0)),
        "externalId": call.key,
    }
    if call.owner_crm_id.isdigit():
        item["userId"] = int(call.owner_crm_id)
    if code:
        item["code"] = code
    if call.recording_url:
        item["recordUrl"] = call.recording_url
    return item


def call_event(event: dict, codes: list[str], user_ids: list[int]) -> dict:
    """An API.md call event -> retailCRM telephony/call/event payload."""
    outbound = event.get("direction") == "out"
    hangup = event.get("type") in ("ended", "missed")
    payload = {
        "phone": (event.get("callee") if outbound else event.get("caller")) or "",
        "type": "hangup" if hangup else ("out" if outbound else "in"),
        "externalPhone": (event.get("caller") if outbound else event.get("callee")) or "",
        "callExternalId": str(event.get("call_id") or ""),
    }
    if hangup:
        status = event.get("status") or ("missed" if event.get("type") == "missed" else "answered")
        payload["hangupStatus"] = HANGUP_STATUS.get(status, "failed")
    if codes:
        payload["codes"] = codes
    if user_ids:
        payload["userIds"] = user_ids
    return {k: v for k, v in payload.items() if v not in ("", None)}
