"""A SugarCRM REST v11 simulator: OAuth2 password/refresh grants with per-platform sessions,
filter API with offset paging, record create, update (PUT: partial, 404 for an unknown id),
bulk, metadata, me. Modules: Contacts, Leads (`converted` ones stay, flagged), Accounts, Users,
Calls, Cases, Emails (archived: only owner and parent can change afterwards), Notes.

Tests change data as a user would: `sim.add_record("Leads", last_name=..., phone_mobile=...)`,
`sim.convert_lead(id)`, or edit `sim.records[module][id]` directly.

Behaviour copied from Sugar: a second login of one user on the same `platform` invalidates the
first session's tokens; errors are `{"error", "error_message"}`; `next_offset` is -1 at the end.
"""

import json
import secrets
import time
import uuid

from connectors.models import ConnectorAccount
from connectors.services import save_account
from simulators.base import Reply, Simulator
from simulators.sugarcrm.data import FIELDS, seed_records
from simulators.sugarcrm.filter import check_fields, matches

PEOPLE = ("Contacts", "Leads")  # last_name required; `name` is first + last
CREATABLE = ("Calls", "Cases", "Contacts", "Leads", "Accounts", "Emails", "Notes")
WRITABLE = "Calls|Cases|Contacts|Leads|Accounts|Emails|Notes"
# /Emails/:record PUT (Sugar Developer Guide): an archived email's other fields are read-only.
ARCHIVED_EDITABLE = {"assigned_user_id", "parent_type", "parent_id", "team_name", "message_uid"}
USERNAME = "cc.integration"
PASSWORD = "Sugar-Demo-2026"


def error(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"error": code, "error_message": message})


class SugarCRMSimulator(Simulator):
    name = "sugarcrm"
    routes = [
        ("POST", r"/rest/v11/oauth2/token", "token"),
        ("GET", r"/rest/v11/me", "me"),
        ("GET", r"/rest/v11/metadata", "metadata"),
        ("POST", r"/rest/v11/bulk", "bulk"),
        ("POST", r"/rest/v11/(?P<module>\w+)/filter", "filter"),
        ("POST", r"/rest/v11/(?P<module>\w+)/filter/count", "count"),
        ("POST", rf"/rest/v11/(?P<module>{WRITABLE})", "create"),
        ("PUT", rf"/rest/v11/(?P<module>{WRITABLE})/(?P<id>[\w-]+)", "update"),
        ("GET", r"/rest/v11/(?P<module>\w+)/(?P<id>[\w-]+)", "read"),
    ]
    token_ttl = 3600

    def seed(self) -> None:
        self.records: dict[str, dict[str, dict]] = seed_records()
        self.sessions: dict[str, dict] = {}  # access token -> {user, platform, expires_at}
        self.refresh_tokens: dict[str, dict] = {}  # refresh token -> {user, platform}
        self.logins = 0
        self.updates = 0  # PUTs that changed a record

    # --- auth --------------------------------------------------------------------------------

    def token(self, request):
        body = request.json() or {}
        platform = body.get("platform") or "base"
        if body.get("client_id") != "sugar":
            raise error(400, "invalid_client", "Client authentication failed.")
        if body.get("grant_type") == "password":
            if body.get("username") != USERNAME or body.get("password") != PASSWORD:
                raise error(401, "invalid_grant", "Your username or password was incorrect.")
            self.logins += 1
            user = USERNAME
        elif body.get("grant_type") == "refresh_token":
            found = self.refresh_tokens.pop(body.get("refresh_token") or "", None)
            if not found or found["platform"] != platform:
                raise error(400, "invalid_grant", "Invalid refresh token")
            user = found["user"]
        else:
            raise error(400, "unsupported_grant_type", "Unsupported grant type.")
        return self._new_session(user, platform)

    def _new_session(self, user: str, platform: str) -> dict:
        with self.lock:
            # One session per (user, platform): the new login logs the old one out.
            for store in (self.sessions, self.refresh_tokens):
                for tok in [
                    t for t, s in store.items() if (s["user"], s["platform"]) == (user, platform)
                ]:
                    del store[tok]
            access, refresh = secrets.token_hex(16), secrets.token_hex(16)
            self.sessions[access] = {
                "user": user,
                "platform": platform,
                "expires_at": time.time() + self.token_ttl,
            }
            self.refresh_tokens[refresh] = {"user": user, "platform": platform}
        return {
            "access_token": access,
            "expires_in": self.token_ttl,
            "token_type": "bearer",
            "scope": None,
            "refresh_token": refresh,
            "refresh_expires_in": 1209600,
            "download_token": secrets.token_hex(8),
        }

    def expire_tokens(self) -> None:
        """Test helper: every access token now answers 401 (refresh tokens still work)."""
        with self.lock:
            for session in self.sessions.values():
                session["expires_at"] = 0

    def _auth(self, request) -> dict:
        token = request.headers.get("OAuth-Token")
        if not token:
            raise error(401, "need_login", "No valid authentication for user.")
        session = self.sessions.get(token)
        if not session or session["expires_at"] < time.time():
            raise error(401, "invalid_grant", "The access token provided is invalid.")
        return session

    # --- REST --------------------------------------------------------------------------------

    def me(self, request):
        self._auth(request)
        user = next(u for u in self.records["Users"].values() if u["user_name"] == USERNAME)
        return {"current_user": {k: user[k] for k in ("id", "user_name", "full_name", "email1")}}

    def metadata(self, request):
        self._auth(request)
        wanted = request.query.get("module_filter") or ",".join(FIELDS)
        modules = {}
        for module in str(wanted).split(","):
            if module in FIELDS:
                modules[module] = {"fields": {**FIELDS[module], "_hash": "abc123"}}
        return {"modules": modules, "_hash": "f00d"}

    def filter(self, request):
        self._auth(request)
        return self._filter(request.match["module"], request.json() or {})

    def count(self, request):
        self._auth(request)
        body = {**(request.json() or {}), "offset": 0, "max_num": 10**9, "fields": "id"}
        return {"record_count": len(self._filter(request.match["module"], body)["records"])}

    def _filter(self, module: str, body: dict):
        if module not in self.records:
            raise error(404, "not_found", f"Could not find module: {module}")
        known = set(FIELDS[module])
        filters = body.get("filter") or []
        try:
            check_fields(filters, known)
        except KeyError as exc:
            raise error(
                422, "invalid_parameter", f"Unknown field {exc.args[0]} in filter"
            ) from None
        rows = [
            r
            for r in self.records[module].values()
            if not r.get("deleted") and matches(r, filters, known)
        ]
        field, _, way = (body.get("order_by") or "date_modified:DESC").partition(":")
        rows.sort(key=lambda r: str(r.get(field) or ""), reverse=way.upper() != "ASC")
        offset, max_num = int(body.get("offset") or 0), int(body.get("max_num") or 20)
        page = rows[offset : offset + max_num]
        fields = body.get("fields")
        if fields:
            names = {"id", "date_modified", *str(fields).split(",")}
            page = [{k: v for k, v in r.items() if k in names} for r in page]
        next_offset = offset + max_num if offset + max_num < len(rows) else -1
        return {"next_offset": next_offset, "records": [{**r, "_module": module} for r in page]}

    def create(self, request):
        self._auth(request)
        return self._create(request.match["module"], request.json())

    def _create(self, module: str, data):
        if not isinstance(data, dict):
            raise error(422, "invalid_parameter", "Request body must be an object")
        required = "last_name" if module in PEOPLE else "name"
        if not data.get(required):
            raise error(422, "missing_parameter", f"Missing parameter: {required}")
        self._check_writable(module, data)
        if module == "Emails":
            data = {"state": "Archived", **data}  # the vardef default: an archived copy
        return self.add_record(module, **data)

    @staticmethod
    def _check_writable(module: str, data: dict) -> None:
        unknown = set(data) - set(FIELDS[module])
        if unknown:
            raise error(422, "invalid_parameter", f"Unknown fields: {sorted(unknown)}")
        locked = sorted(k for k in data if k != "id" and FIELDS[module][k].get("readonly"))
        if locked:
            raise error(422, "invalid_parameter", f"Read-only fields: {locked}")

    def update(self, request):
        self._auth(request)
        return self._update(request.match["module"], request.match["id"], request.json())

    def _update(self, module: str, rid: str, data):
        """PUT /<module>/:record: the fields sent change, the others stay; the record back."""
        record = self.records.get(module, {}).get(rid)
        if not record or record.get("deleted"):
            raise error(404, "not_found", f"Could not find record: {rid} in module: {module}")
        if not isinstance(data, dict):
            raise error(422, "invalid_parameter", "Request body must be an object")
        data = {k: v for k, v in data.items() if k != "id"}
        self._check_writable(module, data)
        fixed = sorted(set(data) - ARCHIVED_EDITABLE)
        if module == "Emails" and record.get("state") == "Archived" and fixed:
            message = f"Not allowed to edit field {fixed[0]} in module: Emails"
            raise error(403, "not_authorized", message)
        required = "last_name" if module in PEOPLE else "name"
        if required in data and not data[required]:
            raise error(422, "missing_parameter", f"Missing parameter: {required}")
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        with self.lock:
            record.update(data, date_modified=now)
            self.updates += 1
        return record

    def add_record(self, module: str, **fields) -> dict:
        """A record created now (tests: "a lead created in Sugar after the last import")."""
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        record = {name: "" for name, meta in FIELDS[module].items() if meta["type"] == "phone"}
        if module == "Leads":
            record.update(converted=False, status="New")
        record.update(fields, id=str(uuid.uuid4()), date_entered=now, date_modified=now)
        record["deleted"] = False
        if module in PEOPLE:
            record["name"] = " ".join(
                p for p in (fields.get("first_name"), fields["last_name"]) if p
            )
        if "email1" in FIELDS[module]:
            emails = [e for e in record.get("email") or [] if isinstance(e, dict)]
            record.setdefault("email1", emails[0]["email_address"] if emails else "")
        with self.lock:
            self.records[module][record["id"]] = record
        return record

    def convert_lead(self, lead_id: str) -> dict:
        """Sugar's lead conversion: a new Contact; the Lead stays, converted and linked to it."""
        lead = self.records["Leads"][lead_id]
        keep = (
            "first_name",
            "last_name",
            "email",
            "phone_work",
            "phone_mobile",
            "assigned_user_id",
        )
        contact = self.add_record("Contacts", **{k: lead[k] for k in keep if k in lead})
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        lead.update(converted=True, status="Converted", contact_id=contact["id"], date_modified=now)
        return contact

    def read(self, request):
        self._auth(request)
        module, rid = request.match["module"], request.match["id"]
        record = self.records.get(module, {}).get(rid)
        if not record or record.get("deleted"):
            raise error(404, "not_found", f"Could not find record: {rid} in module: {module}")
        return record

    def bulk(self, request):
        """POST /bulk {"requests": [{url: "/v11/Calls", method, data: "<json>"}]}."""
        self._auth(request)
        replies = []
        for sub in (request.json() or {}).get("requests") or []:
            path = str(sub.get("url", "")).removeprefix("/v11").lstrip("/")
            try:
                data = json.loads(sub.get("data") or "null")
                module, _, action = path.partition("/")
                if sub.get("method") == "POST" and module in CREATABLE and not action:
                    contents, status = self._create(module, data), 200
                elif sub.get("method") == "PUT" and module in CREATABLE and "/" not in action:
                    contents, status = self._update(module, action, data), 200
                elif sub.get("method") == "POST" and action == "filter":
                    contents, status = self._filter(module, data or {}), 200
                else:
                    raise error(404, "not_found", f"No route for {sub.get('method')} {path}")
            except Reply as reply:
                contents, status = reply.body, reply.status
            except ValueError:
                contents, status = {"error": "invalid_parameter", "error_message": "bad data"}, 400
            replies.append(
                {
                    "contents": contents,
                    "headers": {"Content-Type": "application/json"},
                    "status": status,
                }
            )
        return replies

    def not_found_body(self, request):
        return {
            "error": "not_found",
            "error_message": f"No route for {request.method} {request.path}",
        }

    # --- demo --------------------------------------------------------------------------------

    @classmethod
    def demo_account(cls, url: str) -> tuple[dict, dict]:
        return {"instance_url": url, "username": USERNAME, "platform": "ccportal"}, {
            "password": PASSWORD
        }

    @classmethod
    def seed_demo(cls, tenant, url: str) -> None:
        name = "SugarCRM (simulator)"
        if ConnectorAccount.objects.for_tenant(tenant).filter(name=name).exists():
            return
        settings, credentials = cls.demo_account(url)
        save_account(
            ConnectorAccount(tenant=tenant, kind="sugarcrm"),
            actor="seed_demo",
            name=name,
            settings=settings,
            credentials=credentials,
        )
