"""Seed data and field metadata for the SugarCRM simulator."""

import uuid


def _field(name: str, type_: str = "varchar", vname: str = "", **extra) -> dict:
    return {"name": name, "type": type_, "vname": vname or f"LBL_{name.upper()}", **extra}


_COMMON = [
    _field("id", "id", readonly=True),
    _field("name", "name"),
    _field("date_entered", "datetime", readonly=True),
    _field("date_modified", "datetime", readonly=True),
    _field("assigned_user_id", "assigned_user_name"),
    _field("description", "text"),
    _field("deleted", "bool", readonly=True),
]
FIELDS: dict[str, dict[str, dict]] = {
    "Contacts": {
        f["name"]: f
        for f in [
            *_COMMON,
            _field("first_name"),
            _field("last_name"),
            _field("email1", "varchar", "LBL_EMAIL_ADDRESS", source="non-db"),
            _field("email", "email"),
            _field("phone_work", "phone", "LBL_OFFICE_PHONE"),
            _field("phone_mobile", "phone", "LBL_MOBILE_PHONE"),
            _field("phone_home", "phone"),
            _field("phone_other", "phone"),
            _field("account_name", "relate", source="non-db"),
            _field("title"),
            _field("department"),
            _field("customer_segment_c", "enum", "LBL_CUSTOMER_SEGMENT"),
        ]
    },
    "Leads": {
        f["name"]: f
        for f in [
            *_COMMON,
            _field("first_name"),
            _field("last_name"),
            _field("email1", "varchar", "LBL_EMAIL_ADDRESS", source="non-db"),
            _field("email", "email"),
            _field("phone_work", "phone", "LBL_OFFICE_PHONE"),
            _field("phone_mobile", "phone", "LBL_MOBILE_PHONE"),
            _field("phone_home", "phone"),
            _field("phone_other", "phone"),
            _field("account_name", "varchar", "LBL_ACCOUNT_NAME"),  # the lead's company (text)
            _field("status", "enum"),
            _field("lead_source", "enum"),
            _field("converted", "bool", readonly=True),
            _field("contact_id", "id", readonly=True),
        ]
    },
    "Accounts": {
        f["name"]: f
        for f in [
            *_COMMON,
            _field("email1", "varchar", "LBL_EMAIL_ADDRESS", source="non-db"),
            _field("email", "email"),
            _field("phone_office", "phone", "LBL_PHONE_OFFICE"),
            _field("phone_alternate", "phone", "LBL_PHONE_ALT"),
            _field("phone_fax", "phone", "LBL_FAX"),
            _field("account_type", "enum", "LBL_TYPE"),
            _field("industry", "enum"),
        ]
    },
    "Users": {
        f["name"]: f
        for f in [
            *_COMMON,
            _field("user_name"),
            _field("full_name", source="non-db"),
            _field("email1", source="non-db"),
            _field("email", "email"),
            _field("status", "enum"),
        ]
    },
    "Calls": {
        f["name"]: f
        for f in [
            *_COMMON,
            _field("direction", "enum"),
            _field("status", "enum"),
            _field("date_start", "datetimecombo"),
            _field("date_end", "datetimecombo"),
            _field("duration_hours", "int"),
            _field("duration_minutes", "int"),
            _field("parent_type", "parent_type"),
            _field("parent_id", "id"),
            _field("cc_call_key_c", "varchar", "LBL_CC_CALL_KEY"),
        ]
    },
    "Cases": {
        f["name"]: f
        for f in [
            *_COMMON,
            _field("status", "enum"),
            _field("priority", "enum"),
            _field("account_id", "id"),
            _field("primary_contact_id", "id"),
            _field("cc_case_key_c", "varchar", "LBL_CC_CASE_KEY"),
        ]
    },
    # Archived emails (Sugar 7.10+ `state`); message_id is the Message-ID header.
    "Emails": {
        f["name"]: f
        for f in [
            *_COMMON,
            _field("state", "enum"),
            _field("date_sent", "datetime"),
            _field("message_id", "varchar"),
            _field("description_html", "html"),
            _field("direction", "enum", readonly=True),
            _field("parent_type", "parent_type"),
            _field("parent_id", "id"),
        ]
    },
    "Notes": {
        f["name"]: f
        for f in [
            *_COMMON,
            _field("parent_type", "parent_type"),
            _field("parent_id", "id"),
            _field("contact_id", "id"),
            _field("cc_interaction_key_c", "varchar", "LBL_CC_INTERACTION_KEY"),
        ]
    },
}

_PEOPLE = [
    ("Jana", "Novakova", "+420 773 794 804", "", "Acme Logistics", "VIP"),
    ("Petr", "Svoboda", "", "603 123 456", "Acme Logistics", "Standard"),
    ("Eva", "Dvorakova", "(+420) 226-211-245", "", "Brno Steel", "Standard"),
    ("Tomas", "Cerny", "00420 737 000 111", "", "Brno Steel", "VIP"),
    ("Lucie", "Prochazkova", "", "+420737222333", "Ostrava Foods", "Standard"),
    ("Martin", "Kucera", "+420 222 333 444", "+420 606 606 606", "Ostrava Foods", "Gold"),
    ("Aino", "Virtanen", "+358 40 123 4567", "", "Helsinki Design Oy", "VIP"),
    ("Mikko", "Korhonen", "", "040 765 4321", "Helsinki Design Oy", "Standard"),
    ("Sarah", "Miller", "(415) 555-0132", "", "Pacific Traders Inc", "Gold"),
    ("David", "Chen", "+1 646 555 0199", "+1 917 555 0101", "Pacific Traders Inc", "Standard"),
    ("Anna", "Schmidt", "+49 30 1234567", "", "Berlin Parts GmbH", "Standard"),
    ("Klara", "Horakova", "773 111 222", "", "", "Standard"),
]


# (first, last, company, work, mobile, converted)
_LEADS = [
    ("Karel", "Vesely", "Brno Bikes", "+420 605 111 222", "", False),
    ("Olga", "Mala", "", "", "731 222 333", False),
    ("Henrik", "Virta", "Virta Oy", "050 987 1234", "", False),
    ("Conny", "Converted", "Converted GmbH", "+420 605 999 000", "", True),
]
# (name, office, alternate, email)
_ACCOUNTS = [
    ("Acme Logistics", "+420 296 330 111", "", "info@acme-logistics.example"),
    ("Brno Steel", "(+420) 543-210-987", "608 444 555", "office@brno-steel.example"),
    ("Helsinki Design Oy", "+358 9 876 5432", "", ""),
    ("Pacific Traders Inc", "(212) 555-0147", "", "hello@pacific.example"),
]


def _emails(address: str) -> dict:
    if not address:
        return {"email1": "", "email": []}
    return {"email1": address, "email": [{"email_address": address, "primary_address": True}]}


def seed_leads_and_accounts(ns: uuid.UUID, owners: list[dict]) -> tuple[dict, dict]:
    leads, accounts = {}, {}
    for i, (first, last, company, work, mobile, converted) in enumerate(_LEADS):
        lid = str(uuid.uuid5(ns, f"lead-{i}"))
        leads[lid] = {
            "id": lid,
            "name": f"{first} {last}",
            "first_name": first,
            "last_name": last,
            **_emails(f"{first}.{last}@example.org".lower()),
            "phone_work": work,
            "phone_mobile": mobile,
            "phone_home": "",
            "phone_other": "",
            "account_name": company,
            "status": "Converted" if converted else "New",
            "converted": converted,
            "assigned_user_id": owners[i % len(owners)]["id"],
            "date_modified": f"2026-10-{1 + i:02d}T10:00:00+00:00",
            "deleted": False,
        }
    for i, (name, office, alternate, email) in enumerate(_ACCOUNTS):
        aid = str(uuid.uuid5(ns, f"account-{i}"))
        accounts[aid] = {
            "id": aid,
            "name": name,
            **_emails(email),
            "phone_office": office,
            "phone_alternate": alternate,
            "phone_fax": "",
            "account_type": "Customer",
            "assigned_user_id": owners[i % len(owners)]["id"],
            "date_modified": f"2026-10-{10 + i:02d}T10:00:00+00:00",
            "deleted": False,
        }
    return leads, accounts


def seed_records() -> dict[str, dict[str, dict]]:
    ns = uuid.UUID("5a9c1d2e-0000-4000-8000-000000000000")
    users = {}
    for i, (user_name, full, email, status) in enumerate(
        [
            ("cc.integration", "CC Integration", "integration@acme.example", "Active"),
            ("jdoe", "John Doe", "J.Doe@acme.example", "Active"),
            ("asmith", "Alice Smith", "alice.smith@acme.example", "Active"),
            ("oldtimer", "Old Timer", "old.timer@acme.example", "Inactive"),
        ]
    ):
        uid = str(uuid.uuid5(ns, user_name))
        users[uid] = {
            "id": uid,
            "name": full,
            "user_name": user_name,
            "full_name": full,
            "email1": email,
            "email": [{"email_address": email, "primary_address": True}],
            "status": status,
            "date_modified": f"2026-01-0{i + 1}T08:00:00+00:00",
        }
    owners = [u for u in users.values() if u["status"] == "Active"]
    contacts = {}
    for i, (first, last, work, mobile, account, segment) in enumerate(_PEOPLE):
        cid = str(uuid.uuid5(ns, f"contact-{i}"))
        email = f"{first}.{last}@example.com".lower()
        contacts[cid] = {
            "id": cid,
            "name": f"{first} {last}",
            "first_name": first,
            "last_name": last,
            "email1": email,
            "email": [{"email_address": email, "primary_address": True}],
            "phone_work": work,
            "phone_mobile": mobile,
            "phone_home": "",
            "phone_other": "",
            "account_name": account,
            "assigned_user_id": owners[i % len(owners)]["id"],
            "customer_segment_c": segment,
            "date_modified": f"2026-11-{1 + i:02d}T09:{i:02d}:00+00:00",
            "deleted": False,
        }
    leads, accounts = seed_leads_and_accounts(ns, owners)
    return {
        "Contacts": contacts,
        "Leads": leads,
        "Accounts": accounts,
        "Users": users,
        "Calls": {},
        "Cases": {},
        "Emails": {},
        "Notes": {},
    }
