"""Seed data of the Daktela simulator: the demo access token, the agents, the contact fields,
the queues and a few closed activities (calls with their item, one e-mail)."""

from datetime import datetime, timedelta

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

QUEUES = {
    "1000": {"name": "1000", "title": "Support", "type": "in"},
    "2000": {"name": "2000", "title": "Sales outbound", "type": "out"},
}
STATUSES = {"complaint": {"name": "complaint", "title": "Complaint"}}


def call_activity(
    name: str,
    id_call: str,
    *,
    clid: str,
    user: str = "jdoe",
    direction: str = "in",
    queue: str = "1000",
    answered: bool = True,
    start: str = "2026-11-20 10:00:00",
    statuses=("complaint",),
) -> dict:
    """One closed CALL activity as Daktela's activities/{name}.json returns it (item expanded).

    Times follow `start` (queued): ringing +3 s, answered +10 s, closed +105 s."""
    t0 = datetime.fromisoformat(start)

    def at(seconds):
        return (t0 + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")

    agent = next((dict(a) for a in AGENTS if a["name"] == user), None)
    item = {
        "id_call": id_call,
        "call_time": at(0),
        "direction": direction,
        "answered": answered,
        "id_queue": QUEUES.get(queue),
        "id_agent": agent,
        "clid": clid,
        "did": "+420226211245",
        "waiting_time": 10,
        "ringing_time": 7,
        "hold_time": 0,
        "duration": 95 if answered else 0,
        "disposition_cause": "caller",
    }
    return {
        "name": name,
        "title": clid,
        "type": "CALL",
        "action": "CLOSE",
        "queue": QUEUES.get(queue),
        "user": agent,
        "item": item,
        "time": at(0),
        "time_wait": at(3),
        "time_open": at(10) if answered else None,
        "time_close": at(105),
        "duration": 95 if answered else 0,
        "statuses": [STATUSES[s] for s in statuses if s in STATUSES],
    }


ACTIVITIES = [
    call_activity("activities_demo_1", "1WS.demo1", clid="+420773794804"),
    call_activity(
        "activities_demo_2", "1WS.demo2", clid="+420601234567", user="asmith", answered=False
    ),
    {
        "name": "activities_demo_mail",
        "title": "Refund",
        "type": "EMAIL",
        "action": "CLOSE",
        "queue": {"name": "3000", "title": "Mail", "type": "email"},
        "user": dict(AGENTS[0]),
        "item": {"name": "mail1", "address": "jane@example.com", "direction": "in"},
        "time": "2026-11-20 09:00:00",
        "time_close": "2026-11-20 09:05:00",
        "statuses": [],
    },
]
