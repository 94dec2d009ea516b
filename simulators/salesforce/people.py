"""Seed Leads and Person Accounts of the Salesforce simulator (the org "Acme Sim").

Numbers are stored as people type them (national, international, with brackets) and differ from
every seeded Contact's, so a test that finds one by phone knows which object answered.
"""

from datetime import UTC, datetime, timedelta

from simulators.salesforce.data import make_id

MODIFIED = datetime(2025, 5, 15, 10, 0, tzinfo=UTC)

# (first, last, company, phone, mobile, converted)
# fmt: off
LEADS = [
    ("Karel", "Veselý", "Brno Bikes s.r.o.", "+420 605 111 222", None, False),
    ("Olga", "Malá", "", None, "731 222 333", False),
    ("Henrik", "Virta", "Virta Oy", "+358 50 765 4321", None, False),
    ("Tom", "Baker", "Baker Ltd", "(020) 7946 0777", None, False),
    ("Conny", "Converted", "Converted GmbH", "+420 605 999 000", None, True),
]
# (first, last, email, phone, mobile, home)
PERSON_ACCOUNTS = [
    ("Věra", "Krásná", "vera.krasna@example.com", None, "608 444 555", None),
    ("Liam", "Walsh", "liam.walsh@example.com", None, None, "+353 1 555 0199"),
    ("Ida", "Laine", "ida.laine@example.com", "+358 9 876 5432", None, None),
]
# fmt: on
FIRST_PERSON_ACCOUNT = 101  # ids 001Sm0000000101AAA.. (after the business accounts)


def _stamps(n: int) -> dict:
    modified = MODIFIED + timedelta(hours=n)
    return {
        "CreatedDate": modified - timedelta(days=10),
        "LastModifiedDate": modified,
        "SystemModstamp": modified,
        "IsDeleted": False,
    }


def seed_leads(owners: list[str]) -> list[dict]:
    return [
        {
            "Id": make_id("Lead", n),
            "FirstName": first,
            "LastName": last,
            "Name": f"{first} {last}",
            "Company": company,
            "Email": f"{first}.{last}@example.org".lower(),
            "Phone": phone,
            "MobilePhone": mobile,
            "Status": "Closed - Converted" if converted else "Open - Not Contacted",
            "LeadSource": "Phone Inquiry",
            "Description": None,
            "IsConverted": converted,
            "ConvertedContactId": None,
            "OwnerId": owners[n % len(owners)],
            **_stamps(n),
        }
        for n, (first, last, company, phone, mobile, converted) in enumerate(LEADS, 1)
    ]


def seed_person_accounts(owners: list[str]) -> list[dict]:
    return [
        {
            "Id": make_id("Account", FIRST_PERSON_ACCOUNT + i),
            "Name": f"{first} {last}",
            "IsPersonAccount": True,
            "FirstName": first,
            "LastName": last,
            "PersonEmail": email,
            "Phone": phone,
            "PersonMobilePhone": mobile,
            "PersonHomePhone": home,
            "PersonOtherPhone": None,
            "Type": None,
            "Fax": None,
            "Description": None,
            "OwnerId": owners[i % len(owners)],
            **_stamps(20 + i),
        }
        for i, (first, last, email, phone, mobile, home) in enumerate(PERSON_ACCOUNTS)
    ]
