"""Seed data for the Dynamics 365 simulator: a directory, an app registration, users, queues,
accounts, ~50 contacts and a few leads (data_leads.py) whose phone numbers are stored in mixed
formats (as real CRMs hold them).
Deterministic (fixed random seed) so tests can rely on it."""

import random
import uuid
from datetime import timedelta

from simulators.dynamics365.data_leads import ACCOUNT_PHONES, BASE_TIME, seed_leads

TENANT_ID = "7d3c2f10-5b7a-4c1e-9a55-1f0c5e2d9b01"
TENANT_DOMAIN = "contoso-sim.onmicrosoft.com"
CLIENT_ID = "4f1b6b52-2c38-4d84-9a0e-3d6f2a9c7e11"
CLIENT_SECRET = "sim~Secret.d365-QW5vdGhlciBzZWNyZXQ"
ORGANIZATION_ID = "a1b2c3d4-0000-4000-8000-00000000d365"
BUSINESS_UNIT_ID = "b1b2c3d4-0000-4000-8000-00000000d365"
APP_USER_ID = "c1b2c3d4-0000-4000-8000-00000000d365"

USERS = [  # fullname, internalemailaddress, isdisabled
    ("Alice Novakova", "alice.novakova@contoso-sim.example", False),
    ("Bob Svoboda", "bob.svoboda@contoso-sim.example", False),
    ("Carla Virtanen", "carla.virtanen@contoso-sim.example", False),
    ("Daniel Dvorak", "daniel.dvorak@contoso-sim.example", False),
    ("Eva Lindqvist", "eva.lindqvist@contoso-sim.example", False),
    ("Frank Former", "frank.former@contoso-sim.example", True),
]
QUEUES = [("Support", 0), ("Sales", 1), ("<Billing>", 2), ("Escalations", 0)]
ACCOUNTS = [
    "Daktela s.r.o.",
    "Fabrikam, Inc.",
    "Northwind Traders",
    "Adventure Works",
    "Tailspin Toys",
    "Woodgrove Bank",
    "Litware Oy",
    "Contoso Pharmaceuticals",
]
FIRST = [
    "Jana",
    "Petr",
    "Mika",
    "Laura",
    "Tomas",
    "Anna",
    "John",
    "Sara",
    "Pavel",
    "Aino",
    "Lucas",
    "Emma",
    "Ondrej",
    "Hanna",
    "Oliver",
    "Klara",
    "Noah",
    "Ella",
    "Martin",
    "Ida",
]
LAST = [
    "Novak",
    "Horak",
    "Korhonen",
    "Smith",
    "Cerny",
    "O'Brien",
    "Virtanen",
    "Johnson",
    "Prochazka",
    "Nieminen",
    "Brown",
    "Kucera",
    "Lehtonen",
    "Taylor",
    "Marek",
    "Makinen",
]


def _cz(d):
    return [f"+420 {d[:3]} {d[3:6]} {d[6:]}", d, f"00420{d}", f"+420-{d[:3]}-{d[3:6]}-{d[6:]}"]


def _us(d):
    return [
        f"({d[:3]}) {d[3:6]}-{d[6:]}",
        f"+1 {d[:3]}-{d[3:6]}-{d[6:]}",
        f"{d[:3]}.{d[3:6]}.{d[6:]}",
    ]


def _fi(d):
    return [f"+358 {d[:2]} {d[2:5]} {d[5:]}", f"0{d[:2]} {d[2:]}", f"+358{d}"]


def _uk(d):
    return [f"+44 {d[:2]} {d[2:6]} {d[6:]}", f"0{d[:2]} {d[2:6]} {d[6:]}"]


FORMATS = [(_cz, 9, "7"), (_us, 10, "5"), (_fi, 9, "4"), (_uk, 10, "2")]


def guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def seed(rng: random.Random | None = None) -> dict[str, dict[str, dict]]:
    rng = rng or random.Random(365)
    users = {APP_USER_ID: _user(APP_USER_ID, "# Contact Center Portal", None, False)}
    for name, email, disabled in USERS:
        uid = guid(rng)
        users[uid] = _user(uid, name, email, disabled)
    user_ids = list(users)[1:]
    queues = {}
    for name, owner in QUEUES:
        qid = guid(rng)
        queues[qid] = {"queueid": qid, "name": name, "_ownerid_value": user_ids[owner]}
    accounts = {}
    for i, name in enumerate(ACCOUNTS):
        aid = guid(rng)
        accounts[aid] = _account(aid, name, i, user_ids)
    account_ids = list(accounts)
    contacts = {}
    fixed = [  # two contacts sharing a mobile number, like the seed's widget shows
        ("Jiri", "Havicek", "jiri.havicek@daktela.example", "+420 773 794 804", "+420 226 211 245"),
        ("Jiri", "Havicek", "jiri.havicek@zscout.example", None, "773794804"),
    ]
    for i in range(50):
        if i < len(fixed):
            first, last, email, tel1, mobile = fixed[i]
            account = account_ids[0]
        else:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first}.{last}{i}@example.com".lower().replace("'", "") if i % 7 else None
            fmt, length, lead = rng.choice(FORMATS)
            digits = lead + "".join(rng.choice("0123456789") for _ in range(length - 1))
            tel1 = rng.choice(fmt(digits))
            mobile = rng.choice(fmt(lead + digits[1:][::-1])) if i % 3 == 0 else None
            account = rng.choice(account_ids) if i % 4 else None
        cid = guid(rng)
        contacts[cid] = {
            "contactid": cid,
            "firstname": first,
            "lastname": last,
            "fullname": f"{first} {last}",
            "emailaddress1": email,
            "telephone1": tel1,
            "mobilephone": mobile,
            "telephone2": None,
            "jobtitle": rng.choice(["Buyer", "CFO", "Office manager", None]),
            "address1_city": rng.choice(["Praha", "Brno", "Helsinki", "Seattle", "London"]),
            "_parentcustomerid_value": account,
            "_ownerid_value": rng.choice(user_ids[:5]),
            "statecode": 0,
            "modifiedon": (BASE_TIME - timedelta(hours=7 * i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "createdon": (BASE_TIME - timedelta(days=400 - i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    return {
        "systemusers": users,
        "queues": queues,
        "accounts": accounts,
        "contacts": contacts,
        "leads": seed_leads(random.Random(366), user_ids),
        "phonecalls": {},
        "incidents": {},
        "emails": {},
        "tasks": {},
    }


def _account(aid: str, name: str, i: int, user_ids: list[str]) -> dict:
    """Accounts: numbers in mixed formats on telephone1..3 (the seed's first three have some)."""
    phones = ACCOUNT_PHONES[i] if i < len(ACCOUNT_PHONES) else (None, None, None)
    return {
        "accountid": aid,
        "name": name,
        "telephone1": phones[0],
        "telephone2": phones[1],
        "telephone3": phones[2],
        "emailaddress1": f"info@{name.split()[0].strip(',').lower()}.example",
        "_ownerid_value": user_ids[i % 5],
        "statecode": 0,
        "modifiedon": (BASE_TIME - timedelta(hours=5 * i + 1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "createdon": (BASE_TIME - timedelta(days=500 - i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _user(uid, name, email, disabled):
    return {
        "systemuserid": uid,
        "fullname": name,
        "internalemailaddress": email,
        "isdisabled": disabled,
        "_businessunitid_value": BUSINESS_UNIT_ID,
    }


# (LogicalName, AttributeType, display label, IsValidForCreate, AttributeOf)
CONTACT_ATTRIBUTES = [
    ("contactid", "Uniqueidentifier", "Contact", True, None),
    ("firstname", "String", "First Name", True, None),
    ("lastname", "String", "Last Name", True, None),
    ("fullname", "String", "Full Name", False, None),
    ("emailaddress1", "String", "Email", True, None),
    ("telephone1", "String", "Business Phone", True, None),
    ("mobilephone", "String", "Mobile Phone", True, None),
    ("telephone2", "String", "Home Phone", True, None),
    ("jobtitle", "String", "Job Title", True, None),
    ("address1_city", "String", "Address 1: City", True, None),
    ("parentcustomerid", "Customer", "Company Name", True, None),
    ("parentcustomeridname", "String", None, False, "parentcustomerid"),
    ("ownerid", "Owner", "Owner", True, None),
    ("statecode", "State", "Status", False, None),
    ("modifiedon", "DateTime", "Modified On", False, None),
    ("createdon", "DateTime", "Created On", False, None),
]
