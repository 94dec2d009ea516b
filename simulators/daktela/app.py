"""Daktela V6 simulator: contacts, users and whoim, with the real envelope and auth.

Answers `{"error": [...], "result": ...}` like Daktela, takes the token from `X-AUTH-TOKEN` or
`?accessToken=`, keys contacts by `name`. Tests use `fail_next(status=200, body={"error":
[...]})` to reproduce an error delivered with a 2xx.
"""

import copy
import threading
from urllib.parse import unquote

from platforms.models import ContactCenterAccount
from simulators.base import Reply, Simulator
from simulators.daktela.data import AGENTS, CONTACT_FIELDS, DEMO_TOKEN


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
    ]

    def seed(self) -> None:
        self.tokens = {DEMO_TOKEN}
        self.contacts: dict[str, dict] = {}
        self.data_lock = threading.Lock()
        self.agents = copy.deepcopy(AGENTS)

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
