"""Seed leads and account numbers of the Dynamics 365 simulator (data.py builds the rest).

Leads have their own random seed so adding them leaves the contacts' ids as they were. One
lead is qualified (statecode 1) and one disqualified (statecode 2): closed leads the import
must skip. Numbers never repeat a contact's, so a test knows which record a number finds.
"""

import random
import uuid
from datetime import UTC, datetime, timedelta

BASE_TIME = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

# telephone1, telephone2, telephone3 of the first accounts (data.ACCOUNTS order)
ACCOUNT_PHONES = [
    ("+420 296 330 111", None, "00420 296 330 199"),  # Daktela s.r.o.
    ("(425) 555-0100", "+1 425-555-0101", None),  # Fabrikam, Inc.
    (None, "020 7946 0123", None),  # Northwind Traders (UK, national format)
]

# firstname, lastname, companyname, telephone1, mobilephone, email, statecode
LEADS = [
    ("Lenka", "Leadova", "Acme Leads s.r.o.", "+420 604 111 222", None, "lenka@acme.example", 0),
    ("Oskar", "Prospect", "Prospect Oy", None, "050 765 4322", "oskar@prospect.example", 0),
    ("Paula", "Pipeline", None, "(206) 555-0142", "+1 206 555 0143", None, 0),
    ("Quinn", "Qualified", "Fabrikam, Inc.", "+420 605 333 444", None, "quinn@fabrikam.example", 1),
    ("Dora", "Disqualified", "Nope Ltd", "+44 20 7946 0999", None, None, 2),
    ("Milan", "Mobil", "Mobil a.s.", "731-222-333", "+420 731 222 334", "milan@mobil.example", 0),
]
STATUS = {0: 1, 1: 3, 2: 4}  # statecode -> statuscode (New, Qualified, Lost)


def seed_leads(rng: random.Random, user_ids: list[str]) -> dict[str, dict]:
    leads = {}
    for i, (first, last, company, tel1, mobile, email, state) in enumerate(LEADS):
        lid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        leads[lid] = lead_row(
            lid,
            firstname=first,
            lastname=last,
            companyname=company,
            telephone1=tel1,
            mobilephone=mobile,
            emailaddress1=email,
            statecode=state,
            _ownerid_value=user_ids[i % 5],
            modifiedon=(BASE_TIME - timedelta(hours=11 * i + 2)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            createdon=(BASE_TIME - timedelta(days=60 - i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
    return leads


def lead_row(lid: str, **fields) -> dict:
    """A lead with every column the Web API returns (None where not set)."""
    row = {
        "leadid": lid,
        "firstname": None,
        "lastname": None,
        "fullname": None,
        "companyname": None,
        "subject": None,
        "emailaddress1": None,
        "telephone1": None,
        "mobilephone": None,
        "telephone2": None,
        "description": None,
        "_ownerid_value": None,
        "statecode": 0,
        "modifiedon": None,
        "createdon": None,
        **fields,
    }
    row["statuscode"] = STATUS.get(row["statecode"], 1)
    row["fullname"] = " ".join(x for x in (row["firstname"], row["lastname"]) if x)
    row["subject"] = row["subject"] or f"Interested: {row['companyname'] or row['fullname']}"
    return row
