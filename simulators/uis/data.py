"""Seed data of the UIS simulator: the demo tokens, the employees, the virtual number."""

DEMO_TOKEN = "uis-demo-data-api-token"
DEMO_CALL_KEY = "uis-demo-call-api-key"
VIRTUAL_NUMBER = "74951234567"

EMPLOYEES = [
    # e-mails as the Salesforce simulator's users, like the Daktela simulator's agents.
    {
        "id": 13421,
        "full_name": "John Doe",
        "email": "J.Doe@acme-sim.example.com",
        "extension_phone_number": "201",
        "calls_available": True,
    },
    {
        "id": 13422,
        "full_name": "Anna Smith",
        "email": "Anna.Smith@acme-sim.example.com",
        "extension_phone_number": "202",
        "calls_available": True,
    },
    {
        "id": 13423,
        "full_name": "Jan Novák",
        "email": "jan.novak@acme-sim.example.com",
        "extension_phone_number": "203",
        "calls_available": True,
    },
]
