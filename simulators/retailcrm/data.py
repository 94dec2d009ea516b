"""Seed data for the retailCRM simulator: users, customers, corporate customers."""

from datetime import datetime, timedelta

DATE = "%Y-%m-%d %H:%M:%S"

USERS = [
    (7, "Ivan", "Petrov", "ivan.petrov@shop.example", True),
    (8, "John", "Doe", "j.doe@acme.example", True),
    (9, "Alice", "Smith", "alice.smith@acme.example", True),
    (10, "Olga", "Retired", "olga@shop.example", False),
]

_CUSTOMERS = [
    ("Jana", "Novakova", ["+420 773 794 804"], "jana.novakova@example.com", True),
    ("Petr", "Svoboda", ["603 123 456"], "petr.svoboda@example.com", False),
    ("Eva", "Dvorakova", ["+420 (226) 211-245"], "eva@example.com", False),
    ("Tomas", "Cerny", ["00420737000111", "+420 222 333 444"], "", True),
    ("Lucie", "Prochazkova", ["+420737222333"], "lucie@example.com", False),
    ("Aino", "Virtanen", ["+358 40 123 4567"], "aino@example.fi", False),
    ("Mikko", "Korhonen", ["040 765 4321"], "mikko@example.fi", False),
    ("Maria", "Ivanova", ["+7 (999) 123-45-67"], "maria@example.ru", True),
    ("Sergey", "Smirnov", ["8 916 555 12 12"], "sergey@example.ru", False),
    ("Anna", "Schmidt", ["+49 30 1234567"], "anna@example.de", False),
    ("Klara", "Horakova", ["773 111 222"], "", False),
    ("Daniel", "Novak", ["+420 608 123 987"], "daniel@example.com", False),
]


def seed_users() -> dict[int, dict]:
    return {
        uid: {
            "id": uid,
            "firstName": first,
            "lastName": last,
            "email": email,
            "active": active,
            "status": "free" if active else "offline",
            "isManager": True,
            "phone": "",
        }
        for uid, first, last, email, active in USERS
    }


def seed_customers(start: datetime) -> dict[int, dict]:
    """Customers created one day apart from `start` (naive, in the account's time zone)."""
    active = [u[0] for u in USERS if u[4]]
    customers = {}
    for i, (first, last, phones, email, vip) in enumerate(_CUSTOMERS):
        cid = 101 + i
        customers[cid] = {
            "type": "customer",
            "id": cid,
            "externalId": f"shop-{cid}",
            "firstName": first,
            "lastName": last,
            "email": email,
            "phones": [{"number": n} for n in phones],
            "managerId": active[i % len(active)],
            "vip": vip,
            "bad": False,
            "site": "main",
            "createdAt": (start + timedelta(days=i)).strftime("%Y-%m-%d %H:%M:%S"),
            "customFields": {"segment": "VIP" if vip else "Standard"},
        }
    return customers


CUSTOM_FIELDS = [
    {"code": "segment", "name": "Segment", "type": "string", "entity": "customer"},
    {"code": "loyalty_level", "name": "Loyalty level", "type": "integer", "entity": "customer"},
    {"code": "order_note", "name": "Order note", "type": "text", "entity": "order"},
]


# Corporate customers (retailCRM's companies): nickName, manager, contact persons (customer ids;
# the first is the main one). Their ids share the customers' id space, as in retailCRM.
_CORPORATE = [
    ("Novak Trading s.r.o.", 8, [101, 104]),  # Jana Novakova, Tomas Cerny
    ("Nordic Supplies Oy", 9, [106]),  # Aino Virtanen
    ("Volga Logistics", 7, [108, 109]),  # Maria Ivanova, Sergey Smirnov
    ("Empty Shell Ltd", 9, []),  # no contact person: no phones
]


def seed_corporate(start: datetime) -> dict[int, dict]:
    """Corporate customers created one day apart from `start` (naive, account time zone)."""
    corporate = {}
    for i, (nick, manager, contacts) in enumerate(_CORPORATE):
        cid = 201 + i
        corporate[cid] = corporate_row(
            cid, nick, manager, contacts, (start + timedelta(days=i)).strftime(DATE)
        )
    return corporate


def corporate_row(cid: int, nick: str, manager: int, contacts: list[int], created: str) -> dict:
    """The documented shape of GET /api/v5/customers-corporate (the fields the portal reads)."""
    people = [
        {"id": 900 + cid * 10 + n, "isMain": n == 0, "customer": {"id": c, "site": "main"}}
        for n, c in enumerate(contacts)
    ]
    return {
        "type": "customer_corporate",
        "id": cid,
        "externalId": f"corp-{cid}",
        "nickName": nick,
        "managerId": manager,
        "site": "main",
        "vip": False,
        "bad": False,
        "createdAt": created,
        "customerContacts": people,
        "mainCustomerContact": people[0] if people else None,
        "mainCompany": {"id": 700 + cid, "name": nick},
        "companies": [{"id": 700 + cid, "name": nick, "isMain": True}],
    }
