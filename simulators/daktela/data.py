"""Seed data of the Daktela simulator: the demo access token, the agents, the contact fields."""

DEMO_TOKEN = "daktela-demo-token"
CONTACT_FIELDS = ("name", "title", "firstname", "lastname", "email", "number", "description")

AGENTS = [
    # The agents' e-mails are their Salesforce simulator users' (simulators/salesforce/data.py
    # USERS), so the demo's "Match by email" pairs all of them out of the box.
    {
        "name": "jdoe",
        "title": "John Doe",
        "email": "J.Doe@acme-sim.example.com",
        "extension": "201",
    },
    {
        "name": "asmith",
        "title": "Anna Smith",
        "email": "Anna.Smith@acme-sim.example.com",  # case differs: matching ignores it
        "extension": "202",
    },
    {
        "name": "jnovak",
        "title": "Jan Novák",
        "email": "jan.novak@acme-sim.example.com",
        "extension": "203",
    },
    {
        "name": "backoffice",
        "title": "Back office",
        "email": "alice.admin@acme-sim.example.com",
        "extension": "299",
    },
]
