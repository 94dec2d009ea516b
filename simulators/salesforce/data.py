"""Schema and seed data of the Salesforce simulator (an org "Acme Sim").

Contacts can also be generated in bulk, lazily: contact i is a pure function of i, so a
simulator with 1,000,000 generated contacts holds no records for them (only overrides for the
few a test changes or deletes).
"""

import random
from datetime import UTC, datetime, timedelta

ORG_ID = "00DSm0000000001AAA"
PREFIX = {
    "Account": "001",
    "Contact": "003",
    "Lead": "00Q",
    "User": "005",
    "Group": "00G",
    "Task": "00T",
    "Case": "500",
}
OBJECT_BY_PREFIX = {v: k for k, v in PREFIX.items()}
GENERATED_BASE = 700_000_000  # generated contact i has the Czech mobile number 700000000 + i
GENERATED_MODIFIED = datetime(2024, 1, 1, tzinfo=UTC)


def make_id(sobject: str, n: int, tag: str = "Sm") -> str:
    return f"{PREFIX[sobject]}{tag}{n:010d}AAA"  # 18 characters, sortable by n


def generated_id(i: int) -> str:
    return make_id("Contact", i, "Gn")


def generated_index(crm_id: str) -> int | None:
    if len(crm_id) == 18 and crm_id.startswith("003Gn") and crm_id[5:15].isdigit():
        return int(crm_id[5:15])
    return None


def _f(name, type_="string", label=None, create=True, update=True, **extra):
    return {
        "name": name,
        "label": label or name,
        "type": type_,
        "createable": create,
        "updateable": update,
        "nillable": True,
        "externalId": False,
        "unique": False,
        "custom": name.endswith("__c"),
        "length": 255 if type_ in ("string", "email", "phone", "picklist") else 0,
        **extra,
    }


_SYSTEM = [
    _f("Id", "id", "Record ID", False, False),
    _f("IsDeleted", "boolean", "Deleted", False, False),
    _f("CreatedDate", "datetime", "Created Date", False, False),
    _f("LastModifiedDate", "datetime", "Last Modified Date", False, False),
    _f("SystemModstamp", "datetime", "System Modstamp", False, False),
]
SCHEMA = {
    "Contact": _SYSTEM
    + [
        _f("FirstName", label="First Name"),
        _f("LastName", label="Last Name"),
        _f("Name", label="Full Name", create=False, update=False),
        _f("Email", "email"),
        _f("Phone", "phone", "Business Phone"),
        _f("MobilePhone", "phone", "Mobile Phone"),
        _f("HomePhone", "phone", "Home Phone"),
        _f("OtherPhone", "phone", "Other Phone"),
        _f("Title"),
        _f("Department"),
        _f("Description", "textarea", "Contact Description"),
        _f("LeadSource", "picklist", "Lead Source"),
        _f("AccountId", "reference", "Account ID", referenceTo=["Account"]),
        _f("OwnerId", "reference", "Owner ID", referenceTo=["User"]),
        _f("Customer_Tier__c", "picklist", "Customer Tier"),
        _f("Preferred_Language__c", label="Preferred Language"),
    ],
    "Lead": _SYSTEM
    + [
        _f("FirstName", label="First Name"),
        _f("LastName", label="Last Name"),
        _f("Name", label="Full Name", create=False, update=False),
        _f("Company"),
        _f("Email", "email"),
        _f("Phone", "phone"),
        _f("MobilePhone", "phone", "Mobile Phone"),
        _f("Status", "picklist", "Lead Status"),
        _f("LeadSource", "picklist", "Lead Source"),
        _f("Description", "textarea"),
        _f("IsConverted", "boolean", "Converted", create=False, update=False),
        _f("ConvertedContactId", "reference", create=False, update=False),
        _f("OwnerId", "reference", "Owner ID", referenceTo=["User"]),
    ],
    "Account": _SYSTEM
    + [
        _f("Name", label="Account Name"),
        _f("Phone", "phone", "Account Phone"),
        _f("Fax", "phone", "Account Fax"),
        _f("Type", "picklist", "Account Type"),
        _f("Description", "textarea"),
        _f("OwnerId", "reference", "Owner ID", referenceTo=["User"]),
    ],
    "User": _SYSTEM
    + [
        _f("Name", label="Full Name", create=False, update=False),
        _f("FirstName"),
        _f("LastName"),
        _f("Email", "email"),
        _f("Username"),
        _f("IsActive", "boolean", "Active"),
    ],
    "Group": _SYSTEM
    + [
        _f("Name"),
        _f("DeveloperName"),
        _f("Type", "picklist"),
        _f("OwnerId", "reference"),
        _f("Email", "email"),
    ],
    "Task": _SYSTEM
    + [
        _f("Subject", "combobox"),
        _f("Description", "textarea"),
        _f("Status", "picklist"),
        _f("Priority", "picklist"),
        _f("Type", "picklist"),
        _f("TaskSubtype", "picklist", "Task Subtype", update=False),  # create-only
        _f("CallType", "picklist", "Call Type"),
        _f("CallDurationInSeconds", "int", "Call Duration"),
        _f("CallObject", label="Call Object Identifier"),
        _f("CallDisposition", label="Call Result"),
        _f("ActivityDate", "date", "Due Date Only"),
        _f("WhoId", "reference", "Name ID", referenceTo=["Contact", "Lead"]),
        _f("WhatId", "reference", "Related To ID", referenceTo=["Account", "Case"]),
        _f("OwnerId", "reference", "Assigned To ID", referenceTo=["User"]),
        _f("CC_Call_Key__c", label="CC Call Key", externalId=True, unique=True),
    ],
    "Case": _SYSTEM
    + [
        _f("CaseNumber", label="Case Number", create=False, update=False),
        _f("Subject"),
        _f("Description", "textarea"),
        _f("Status", "picklist"),
        _f("Origin", "picklist", "Case Origin"),
        _f("Priority", "picklist"),
        _f("ContactId", "reference", "Contact ID", referenceTo=["Contact"]),
        _f("AccountId", "reference", "Account ID", referenceTo=["Account"]),
        _f("OwnerId", "reference", "Owner ID", referenceTo=["User", "Group"]),
        _f("CC_Ticket_Key__c", label="CC Ticket Key", externalId=True, unique=True),
    ],
}
# Person Accounts (an org setting that cannot be switched off): an Account that is a person.
# An org without them has none of these fields (SOQL naming one answers INVALID_FIELD).
PERSON_ACCOUNT_FIELDS = [
    _f("IsPersonAccount", "boolean", "Is Person Account", create=False, update=False),
    _f("FirstName", label="First Name"),
    _f("LastName", label="Last Name"),
    _f("PersonEmail", "email", "Email"),
    _f("PersonMobilePhone", "phone", "Mobile"),
    _f("PersonHomePhone", "phone", "Home Phone"),
    _f("PersonOtherPhone", "phone", "Other Phone"),
]


def schema(person_accounts: bool = True) -> dict[str, list[dict]]:
    """The org's objects and fields (Account has the person fields when enabled)."""
    if not person_accounts:
        return SCHEMA
    return {**SCHEMA, "Account": SCHEMA["Account"] + PERSON_ACCOUNT_FIELDS}


PICKLISTS = {
    ("Task", "CallType"): {"Inbound", "Outbound", "Internal"},
    ("Task", "TaskSubtype"): {"Task", "Email", "Call", "ListEmail", "Cadence", "LinkedIn"},
    ("Task", "Status"): {"Not Started", "In Progress", "Completed", "Waiting on someone else"},
    ("Case", "Origin"): {"Phone", "Email", "Web"},
}
DEFAULTS = {
    "Task": {"Status": "Not Started", "Priority": "Normal", "TaskSubtype": "Task"},
    "Case": {"Status": "New", "Priority": "Medium"},
    "Lead": {"Status": "Open - Not Contacted", "IsConverted": False},
}

# fmt: off
FIRST = [
    "Jana", "Petr", "Lucie", "Tomáš", "Eva", "Martin", "Anna", "Jakub", "Tereza", "Pavel",
    "Olivia", "James", "Aino", "Mikko", "Sophie", "Lukas", "Emma", "Noah", "Ella", "Oskari",
]
LAST = [
    "Nováková", "Svoboda", "Dvořáková", "Černý", "Procházková", "Kučera", "Smith", "Brown",
    "Korhonen", "Virtanen", "Müller", "Schmidt", "Martin", "Bernard", "Wilson", "Taylor",
    "Horák", "Veselá", "Mäkinen", "O'Brien",
]
COMPANIES = [
    "Acme s.r.o.", "Globex Corporation", "Initech", "Umbrella Ltd", "Stark Industries",
    "Wayne Enterprises", "Nordic Foods Oy", "Pražské pekárny a.s.", "Hooli", "Vandelay",
]
# fmt: on
USERS = [
    ("Alice", "Admin", "alice.admin@acme-sim.example.com", True),
    ("Jan", "Novák", "jan.novak@acme-sim.example.com", True),
    ("Marie", "Svobodová", "marie.svobodova@acme-sim.example.com", True),
    ("John", "Doe", "j.doe@acme-sim.example.com", True),
    ("Anna", "Smith", "anna.smith@acme-sim.example.com", True),  # the demo agent asmith
    ("Timo", "Laine", "timo.laine@acme-sim.example.com", True),
    ("Sarah", "Connor", "sarah.connor@acme-sim.example.com", True),
    ("Karel", "Dvořák", "karel.dvorak@acme-sim.example.com", True),
    ("Liisa", "Heikkinen", "liisa.heikkinen@acme-sim.example.com", True),
    ("Old", "Agent", "old.agent@acme-sim.example.com", False),
    ("API", "Integration", "api@acme-sim.example.com", True),
]
QUEUES = [("Support", "Queue"), ("Sales", "Queue"), ("Billing", "Queue"), ("All Staff", "Regular")]
# Phones as people type them: international, national, 00-prefixed, with brackets and dashes.
# fmt: off
SEED_PHONES = [
    "+420 773 794 804", "773794804", "00420773794805", "(020) 7946 0018", "+44 20 7946 0958",
    "+420 601-234-567", "602 123 456", "+358 40 123 4567", "040 765 4321", "+1 (415) 555-0132",
    "415.555.0199", "+420226211245", "00358 9 1234 567", "+49 30 901820", "(+420) 777 111 222",
]
# fmt: on


def iso(value: datetime) -> str:
    """Salesforce's dateTime format: 2024-05-01T10:00:00.000+0000."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="milliseconds") + "+0000"


def seed_users() -> list[dict]:
    out = []
    for n, (first, last, email, active) in enumerate(USERS, start=1):
        out.append(
            {
                "Id": make_id("User", n),
                "FirstName": first,
                "LastName": last,
                "Name": f"{first} {last}",
                "Email": email,
                "Username": email,
                "IsActive": active,
            }
        )
    return out


def seed_groups(owner_id: str) -> list[dict]:
    return [
        {
            "Id": make_id("Group", n),
            "Name": name,
            "DeveloperName": name.replace(" ", "_"),
            "Type": kind,
            "OwnerId": owner_id,
            "Email": "",
        }
        for n, (name, kind) in enumerate(QUEUES, start=1)
    ]


def seed_accounts() -> list[dict]:
    """Business accounts; those with a phone store it as people type it."""
    phones = ["+420 296 330 111", "(020) 7946 1234", "+1 212 555 0147", "09 4242 4242"]
    start = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
    return [
        {
            "Id": make_id("Account", n),
            "Name": name,
            "Phone": phones[n - 1] if n <= len(phones) else None,
            "Type": "Customer",
            "CreatedDate": start - timedelta(days=90),
            "LastModifiedDate": start + timedelta(days=n),
            "SystemModstamp": start + timedelta(days=n),
        }
        for n, name in enumerate(COMPANIES, 1)
    ]


def seed_contacts(users: list[dict], accounts: list[dict], count: int = 50) -> list[dict]:
    """Deterministic realistic contacts; two share a number (it happens), some have none."""
    rnd = random.Random(42)
    owners = [u["Id"] for u in users if u["IsActive"]]
    now = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    contacts = []
    for n in range(1, count + 1):
        first, last = FIRST[n % len(FIRST)], LAST[(n * 7) % len(LAST)]
        phones = {}
        if n <= len(SEED_PHONES):
            phones["Phone"] = SEED_PHONES[n - 1]
        elif n % 10 != 0:  # every tenth has no phone at all
            phones["Phone"] = (
                f"+420 2{rnd.randint(10, 99)} {rnd.randint(100, 999)} {rnd.randint(100, 999)}"
            )
        if n % 3 == 0:
            phones["MobilePhone"] = (
                f"{rnd.choice(['+420 ', '', '00420'])}7{rnd.randint(10, 99)} {rnd.randint(100, 999)} {rnd.randint(100, 999)}"
            )
        if n == 16:
            phones["HomePhone"] = "773 794 804"  # same number as contact 1
        modified = now - timedelta(days=count - n, minutes=n)
        contacts.append(
            {
                "Id": make_id("Contact", n),
                "FirstName": first,
                "LastName": last,
                "Email": f"{first}.{last}{n}@example.com".lower().replace("'", ""),
                "Phone": None,
                "MobilePhone": None,
                "HomePhone": None,
                "OtherPhone": None,
                **phones,
                "Title": rnd.choice(["Buyer", "CEO", "Office manager", "IT lead", ""]),
                "Department": "",
                "Description": "",
                "LeadSource": "Phone Inquiry",
                "AccountId": accounts[n % len(accounts)]["Id"] if n % 7 else None,
                "OwnerId": owners[n % len(owners)],
                "Customer_Tier__c": ["Gold", "Silver", ""][n % 3],
                "Preferred_Language__c": ["cs", "en", "fi"][n % 3],
                "CreatedDate": modified - timedelta(days=30),
                "LastModifiedDate": modified,
                "SystemModstamp": modified,
                "IsDeleted": False,
            }
        )
    return contacts


def generated_contact(i: int, owners: list[str], accounts: list[dict]) -> dict:
    """Contact number i of the bulk set: a pure function of i."""
    first, last = FIRST[i % 20], LAST[(i // 20) % 20]
    number = str(GENERATED_BASE + i)
    a, b, c = number[:3], number[3:6], number[6:]
    phone = [f"+420 {a} {b} {c}", number, f"00420{number}", f"+420{number}", f"{a}-{b}-{c}"][i % 5]
    modified = GENERATED_MODIFIED + timedelta(seconds=i)
    return {
        "Id": generated_id(i),
        "FirstName": first,
        "LastName": last,
        "Email": f"{first}.{last}.{i}@example.com".lower().replace("'", ""),
        "Phone": phone,
        "MobilePhone": None,
        "HomePhone": None,
        "OtherPhone": None,
        "Title": "",
        "Department": "",
        "Description": "",
        "LeadSource": "",
        "AccountId": accounts[i % len(accounts)]["Id"] if i % 4 else None,
        "OwnerId": owners[i % len(owners)],
        "Customer_Tier__c": "",
        "Preferred_Language__c": "",
        "CreatedDate": modified,
        "LastModifiedDate": modified,
        "SystemModstamp": modified,
        "IsDeleted": False,
    }


def generated_index_for_digits(digits: str, count: int) -> int | None:
    """Which generated contact has this number (its last 9 digits), if any."""
    tail = digits[-9:]
    if len(tail) == 9 and tail.isdigit():
        i = int(tail) - GENERATED_BASE
        if 0 <= i < count:
            return i
    return None
