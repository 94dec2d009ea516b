"""Seed data of the Daktela simulator: the demo access token, the agents, the contact fields."""

DEMO_TOKEN = "daktela-demo-token"
CONTACT_FIELDS = ("name", "title", "firstname", "lastname", "email", "number", "description")

AGENTS = [
    {"name": "jdoe", "title": "John Doe", "email": "j.doe@acme.com", "extension": "201"},
    {
        "name": "asmith",
        "title": "Anna Smith",
        "email": "Anna.Smith@acme.com",
        "extension": "202",
    },
    {
        "name": "pnovak",
        "title": "Petr Novák",
        "email": "petr.novak@acme.cz",
        "extension": "203",
    },
    {"name": "backoffice", "title": "Back office", "email": "", "extension": "299"},
]
