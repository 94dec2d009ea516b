"""Emails, chats and SMS as SugarCRM records (no HTTP here).

An email is an archived `Emails` record (`state: Archived`, `date_sent`); our key rides in its
Message-ID (`message_id`, a native field, so no custom field is needed). Sugar keeps an archived
email's subject and body fixed: a later PUT may change only the owner and the parent record
(Sugar Developer Guide, `/Emails/:record PUT`), so a resend updates those and nothing else.
A chat or SMS is a `Notes` record with our key in the custom field `cc_interaction_key_c`; a
resend updates the whole note.
"""

from dataclasses import dataclass

from connectors.sugarcrm.mapping import PARENT_TYPES, sugar_time, wrapup_lines
from connectors.types import CONTACT, EMAIL, InteractionLog, TicketCompletion

INTERACTION_KEY_FIELD = "cc_interaction_key_c"  # custom text field on Notes
EMAIL_KEY_FIELD = "message_id"
LABELS = {"chat": "Chat", "sms": "SMS", EMAIL: "Email"}


@dataclass
class Write:
    """One record to create, or to update in place when it exists (by id or by key)."""

    key: str
    module: str
    key_field: str
    body: dict  # POST /<module>
    update: dict | None  # PUT /<module>/<id>; None = Sugar cannot change it: "unchanged"
    record_id: str = ""  # the id written before (CallLog / InteractionLog.crm_record_id)


def message_id(key: str) -> str:
    return f"<{key}@ccportal>"


def _parent(item: InteractionLog) -> dict:
    if not item.contact_crm_id:
        return {}
    return {
        "parent_type": PARENT_TYPES.get(item.contact_type, "Contacts"),
        "parent_id": item.contact_crm_id,
    }


def _text(item: InteractionLog) -> str:
    way = "from" if item.direction == "in" else "to"
    label = LABELS.get(item.channel, item.channel)
    lines = [
        item.body,
        item.description,
        f"{label} {way} {item.address}" if item.address else "",
        f"Started: {sugar_time(item.started_at)}",
        f"Ended: {sugar_time(item.ended_at)}" if item.ended_at else "",
        f"Queue: {item.queue}" if item.queue else "",
        *wrapup_lines(item.notes, item.disposition, item.tags),
    ]
    return "\n".join(x for x in lines if x)


def interaction_write(item: InteractionLog, key_field: str = INTERACTION_KEY_FIELD) -> Write:
    label = LABELS.get(item.channel, item.channel)
    name = (item.subject or f"{label} {item.address}".strip())[:255]
    owner = {"assigned_user_id": item.owner_crm_id} if item.owner_crm_id else {}
    if item.channel == EMAIL:
        body = {
            "name": name,
            "state": "Archived",
            "date_sent": sugar_time(item.started_at),
            "description": _text(item),
            EMAIL_KEY_FIELD: message_id(item.key),
            **owner,
            **_parent(item),
        }
        update = {**owner, **_parent(item)} or None
        return Write(item.key, "Emails", EMAIL_KEY_FIELD, body, update, item.crm_record_id)
    body = {"name": name, "description": _text(item), key_field: item.key, **owner}
    body.update(_parent(item))
    if item.contact_crm_id and item.contact_type == CONTACT:
        body["contact_id"] = item.contact_crm_id  # the contact's History subpanel
    return Write(item.key, "Notes", key_field, body, body, item.crm_record_id)


def completion_marker(completion: TicketCompletion) -> str:
    return f"[completed {completion.key}]"


def completed_description(current: str, completion: TicketCompletion) -> str:
    """The Case's description with the call's outcome and summary appended (once)."""
    lines = [
        f"Call outcome: {completion.outcome}" if completion.outcome else "",
        completion.description,
        completion_marker(completion),
    ]
    added = "\n".join(x for x in lines if x)
    return f"{current.rstrip()}\n\n{added}" if current.strip() else added
