"""Daktela V6 simulator: contacts, users, whoim, activities and calls, with the real envelope
and auth.

Activities (`activities.json`, `activities/{name}.json`) carry their call as `item`;
`activitiesCall.json` lists the calls, `activitiesCall/{id_call}.json` reads one, and
`POST activitiesCall.json` {"user", "number", "queue"?} originates a call for a user (click-to-
call): `placed` records each. Lists take `take` / `skip` and simple `filter` conditions
(`filter[field]=...&filter[operator]=eq&filter[value]=...` or the SDK's
`filter[filters][0][field]...`, operators eq / neq / like).

Answers `{"error": [...], "result": ...}` like Daktela, takes the token from `X-AUTH-TOKEN` or
`?accessToken=`, keys contacts by `name`. Tests use `fail_next(status=200, body={"error":
[...]})` to reproduce an error delivered with a 2xx.
"""

import copy
import threading
from urllib.parse import unquote

from platforms.models import ContactCenterAccount
from simulators.base import Reply, Simulator
from simulators.daktela.data import ACTIVITIES, AGENTS, CONTACT_FIELDS, DEMO_TOKEN, QUEUES


def envelope(result=None, error=None, status=200):
    return status, {"error": error or [], "result": result}, {}


class DaktelaSimulator(Simulator):
    name = "daktela"
    routes = [
        ("GET", r"/api/v6/whoim\.json", "whoim"),
        ("GET", r"/api/v6/users\.json", "list_users"),
        ("GET", r"/api/v6/contacts\.json", "list_contacts"),
        ("POST", r"/api/v6/contacts\.json", "create_contact"),
        ("GET", r"/api/v6/contacts/(?P<name>[^/]+)\.json", "get_contact"),
        ("PUT", r"/api/v6/contacts/(?P<name>[^/]+)\.json", "update_contact"),
        ("DELETE", r"/api/v6/contacts/(?P<name>[^/]+)\.json", "delete_contact"),
        ("GET", r"/api/v6/activities\.json", "list_activities"),
        ("GET", r"/api/v6/activities/(?P<name>[^/]+)\.json", "get_activity"),
        ("GET", r"/api/v6/activitiesCall\.json", "list_calls"),
        ("GET", r"/api/v6/activitiesCall/(?P<name>[^/]+)\.json", "get_call"),
        ("POST", r"/api/v6/activitiesCall\.json", "place_call"),
    ]

    def seed(self) -> None:
        self.tokens = {DEMO_TOKEN}
        self.contacts: dict[str, dict] = {}
        self.data_lock = threading.Lock()
        self.agents = copy.deepcopy(AGENTS)
        self.activities: dict[str, dict] = {a["name"]: copy.deepcopy(a) for a in ACTIVITIES}
        self.placed: list[dict] = []  # click-to-call requests, as received

    def add_activity(self, activity: dict) -> dict:
        with self.data_lock:
            self.activities[activity["name"]] = copy.deepcopy(activity)
        return activity

    @classmethod
    def seed_demo(cls, tenant, url):

        if not ContactCenterAccount.objects.filter(tenant=tenant).exists():
            account = ContactCenterAccount(tenant=tenant, name="Daktela (simulator)", url=url)
            account.credentials = {"access_token": DEMO_TOKEN}
            account.save()

    # --- helpers ------------------------------------------------------------------------

    def _auth(self, request) -> None:
        token = request.headers.get("X-AUTH-TOKEN") or request.query.get("accessToken")
        if token not in self.tokens:
            raise Reply(401, {"error": ["Unauthorized: invalid access token"], "result": None})

    def _clean(self, request) -> dict:
        body = request.json()
        if not isinstance(body, dict):
            raise Reply(400, {"error": ["Body must be a JSON object"], "result": None})
        contact = {k: body.get(k) for k in CONTACT_FIELDS if k in body}
        custom = body.get("customFields") or {}
        if not isinstance(custom, dict) or any(not isinstance(v, list) for v in custom.values()):
            raise Reply(400, {"error": {"customFields": ["values must be arrays"]}, "result": None})
        contact["customFields"] = custom
        return contact

    # --- routes -------------------------------------------------------------------------

    def whoim(self, request):
        self._auth(request)
        return envelope({"user": {"name": "api", "title": "API user"}, "version": "6.x-sim"})

    def list_users(self, request):
        self._auth(request)
        take, skip = int(request.query.get("take", 100)), int(request.query.get("skip", 0))
        return envelope({"data": self.agents[skip : skip + take], "total": len(self.agents)})

    def list_contacts(self, request):
        self._auth(request)
        take, skip = int(request.query.get("take", 100)), int(request.query.get("skip", 0))
        with self.data_lock:
            rows = sorted(self.contacts.values(), key=lambda c: c["name"])
        return envelope({"data": rows[skip : skip + take], "total": len(rows)})

    def get_contact(self, request):
        self._auth(request)
        found = self.contacts.get(unquote(request.match["name"]))
        if found is None:
            return envelope(None, ["Contact not found"], 404)
        return envelope(found)

    def create_contact(self, request):
        self._auth(request)
        contact = self._clean(request)
        name = contact.get("name")
        if not name:
            return envelope(None, {"name": ["This value should not be blank."]}, 400)
        if not contact.get("title"):
            # Daktela answers some validation errors with a 2xx and the error in the envelope.
            return envelope(None, {"title": ["This value should not be blank."]}, 200)
        with self.data_lock:
            if name in self.contacts:
                return envelope(None, {"name": ["This name is already used."]}, 400)
            self.contacts[name] = contact
        return envelope(contact, status=201)

    def update_contact(self, request):
        self._auth(request)
        name = unquote(request.match["name"])
        contact = self._clean(request)
        with self.data_lock:
            if name not in self.contacts:
                return envelope(None, ["Contact not found"], 404)
            self.contacts[name] = {**self.contacts[name], **contact, "name": name}
            return envelope(self.contacts[name])

    def delete_contact(self, request):
        self._auth(request)
        with self.data_lock:
            if self.contacts.pop(unquote(request.match["name"]), None) is None:
                return envelope(None, ["Contact not found"], 404)
        return envelope(None, status=200)

    # --- activities and calls -------------------------------------------------------------

    def _page(self, request, rows: list[dict]):
        rows = [r for r in rows if matches(r, filters(request.query))]
        take, skip = int(request.query.get("take", 100)), int(request.query.get("skip", 0))
        return envelope({"data": rows[skip : skip + take], "total": len(rows)})

    def list_activities(self, request):
        self._auth(request)
        with self.data_lock:
            rows = sorted(self.activities.values(), key=lambda a: a["name"])
        return self._page(request, copy.deepcopy(rows))

    def get_activity(self, request):
        self._auth(request)
        found = self.activities.get(unquote(request.match["name"]))
        if found is None:
            return envelope(None, ["Activity not found"], 404)
        return envelope(copy.deepcopy(found))

    def _calls(self) -> list[dict]:
        with self.data_lock:
            acts = [a for a in self.activities.values() if a.get("type") == "CALL"]
        calls = {}
        for act in acts:
            call = calls.setdefault(act["item"]["id_call"], {**act["item"], "activities": []})
            call["activities"].append({k: v for k, v in act.items() if k != "item"})
        return [copy.deepcopy(c) for _k, c in sorted(calls.items())]

    def list_calls(self, request):
        self._auth(request)
        return self._page(request, self._calls())

    def get_call(self, request):
        self._auth(request)
        name = unquote(request.match["name"])
        found = next((c for c in self._calls() if c["id_call"] == name), None)
        if found is None:
            return envelope(None, ["Call not found"], 404)
        return envelope(found)

    def place_call(self, request):
        self._auth(request)
        body = request.json()
        if not isinstance(body, dict):
            raise Reply(400, {"error": ["Body must be a JSON object"], "result": None})
        errors = {}
        user = next((a for a in self.agents if a["name"] == body.get("user")), None)
        if user is None:
            errors["user"] = [f"User {body.get('user')!r} does not exist."]
        if not str(body.get("number") or "").strip():
            errors["number"] = ["This value should not be blank."]
        if body.get("queue") not in (None, "") and str(body["queue"]) not in QUEUES:
            errors["queue"] = [f"Queue {body['queue']!r} does not exist."]
        if errors:
            return envelope(None, errors, 400)
        with self.data_lock:
            id_call = f"1WS.sim{len(self.placed) + 1}"
            self.placed.append({**body, "id_call": id_call})
        queue = QUEUES.get(str(body.get("queue") or "2000"))
        call = {"id_call": id_call, "direction": "out", "clid": body["number"], "answered": False}
        return envelope({**call, "id_agent": user, "id_queue": queue}, status=201)


def filters(query: dict) -> list[tuple[str, str, str]]:
    """(field, operator, value) of `filter[field]=` or `filter[filters][N][field]=` params."""
    found = []
    if "filter[field]" in query:
        found.append(("filter[field]", "filter[operator]", "filter[value]"))
    n = 0
    while f"filter[filters][{n}][field]" in query:
        base = f"filter[filters][{n}]"
        found.append((f"{base}[field]", f"{base}[operator]", f"{base}[value]"))
        n += 1
    return [(query[f], query.get(o) or "eq", str(query.get(v) or "")) for f, o, v in found]


def _field(row: dict, path: str):
    value = row
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value.get("name") if isinstance(value, dict) else value


def matches(row: dict, conditions) -> bool:
    for field, op, value in conditions:
        have = "" if _field(row, field) is None else str(_field(row, field))
        if (op == "eq" and have != value) or (op == "neq" and have == value):
            return False
        if op == "like" and value.strip("%").lower() not in have.lower():
            return False
    return True
