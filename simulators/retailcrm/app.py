"""A retailCRM API v5 simulator: API-key auth, the telephony integration module, call events,
call upload (deduplicated by externalId), telephony/manager, customers and corporate customers
(+ history, create; customers.py), users, custom fields and tasks. Bodies are form fields holding JSON strings, like the official client.

Telephony endpoints live in telephony.py; `sim.click_to_call(...)` plays retailCRM's side
of click-to-call: it calls the registered module's makeCallUrl with the module's clientId.
"""

import json
import math
from datetime import datetime
from zoneinfo import ZoneInfo

from connectors.models import ConnectorAccount
from connectors.services import save_account
from simulators.base import Simulator
from simulators.retailcrm.customers import CustomerEndpoints
from simulators.retailcrm.data import CUSTOM_FIELDS, seed_corporate, seed_customers, seed_users
from simulators.retailcrm.telephony import DATE, TelephonyEndpoints, fail

API_KEY = "rcrm-demo-4f9a2c7e1b"
LIMITS = (20, 50, 100)


class RetailCRMSimulator(CustomerEndpoints, TelephonyEndpoints, Simulator):
    name = "retailcrm"
    tz = ZoneInfo("Europe/Prague")
    routes = [
        ("GET", r"/api/(?:v5/)?credentials", "credentials"),
        ("GET", r"/api/api-versions", "versions"),
        ("POST", r"/api/v5/integration-modules/(?P<code>[\w.-]+)/edit", "module_edit"),
        ("GET", r"/api/v5/integration-modules/(?P<code>[\w.-]+)", "module_get"),
        ("POST", r"/api/v5/telephony/call/event", "call_event"),
        ("POST", r"/api/v5/telephony/calls/upload", "calls_upload"),
        ("GET", r"/api/v5/telephony/manager", "manager"),
        ("GET", r"/api/v5/customers", "list_customers"),
        ("GET", r"/api/v5/customers/history", "customers_history"),
        ("POST", r"/api/v5/customers/create", "create_customer"),
        ("GET", r"/api/v5/customers/(?P<uid>[^/]+)", "get_customer"),
        ("GET", r"/api/v5/customers-corporate", "list_corporate"),
        ("GET", r"/api/v5/customers-corporate/history", "corporate_history"),
        ("GET", r"/api/v5/custom-fields", "custom_fields"),
        ("GET", r"/api/v5/users", "list_users"),
        ("GET", r"/api/v5/tasks", "list_tasks"),
        ("POST", r"/api/v5/tasks/create", "task_create"),
    ]

    def seed(self) -> None:
        self.users = seed_users()
        self.customers = seed_customers(datetime(2026, 11, 1, 10, 0))
        self.history = [
            {
                "id": i + 1,
                "createdAt": c["createdAt"],
                "created": True,
                "source": "api",
                "field": "id",
                "oldValue": None,
                "newValue": c["id"],
                "customer": {"id": c["id"], "externalId": c["externalId"]},
            }
            for i, c in enumerate(self.customers.values())
        ]
        self.corporate = seed_corporate(datetime(2026, 10, 1, 9, 0))
        self.corporate_log = [
            {
                "id": i + 1,
                "createdAt": c["createdAt"],
                "created": True,
                "source": "api",
                "field": "id",
                "oldValue": None,
                "newValue": c["id"],
                "customer": {"id": c["id"], "externalId": c["externalId"]},
            }
            for i, c in enumerate(self.corporate.values())
        ]
        self.sites = ["main"]  # more than one: customers/create needs `site`
        self.created_customers: list[int] = []  # ids made by POST /customers/create
        self.modules: dict[str, dict] = {}
        self.events: list[dict] = []
        self.calls: dict[str, dict] = {}  # externalId -> call
        self.unkeyed_calls: list[dict] = []
        self.tasks: dict[int, dict] = {}

    def now(self) -> str:
        return datetime.now(self.tz).strftime(DATE)

    # --- auth --------------------------------------------------------------------------------

    def _auth(self, request) -> None:
        key = request.headers.get("X-API-KEY") or request.query.get("apiKey")
        if not key:
            raise fail(403, '"apiKey" is missing.')
        if key != API_KEY:
            raise fail(403, 'Wrong "apiKey" value.')

    def _json_field(self, request, name: str):
        raw = request.form().get(name)
        if raw is None:
            raise fail(400, f'Parameter "{name}" is missing')
        try:
            return json.loads(raw)
        except ValueError:
            raise fail(400, f'Parameter "{name}" is not valid JSON') from None

    def _page(self, request, rows: list, key: str) -> dict:
        try:
            limit, page = int(request.query.get("limit", 20)), int(request.query.get("page", 1))
        except (TypeError, ValueError):
            raise fail(400, "Errors in the input parameters", {"limit": "Not a number"}) from None
        if limit not in LIMITS:
            raise fail(
                400,
                "Errors in the input parameters",
                {"limit": "This value should be 20, 50 or 100."},
            )
        chunk = rows[(page - 1) * limit : page * limit]
        return {
            "success": True,
            "pagination": {
                "limit": limit,
                "totalCount": len(rows),
                "currentPage": page,
                "totalPageCount": math.ceil(len(rows) / limit),
            },
            key: chunk,
        }

    # --- endpoints ---------------------------------------------------------------------------

    def credentials(self, request):
        self._auth(request)
        return {
            "success": True,
            "credentials": [
                "/api/customers",
                "/api/customers/create",
                "/api/customers-corporate",
                "/api/users",
                "/api/tasks/create",
                "/api/telephony/calls/upload",
                "/api/telephony/call/event",
                "/api/integration-modules/{code}/edit",
            ],
            "siteAccess": "access_full",
            "sitesAvailable": list(self.sites),
        }

    def versions(self, request):
        self._auth(request)
        return {"success": True, "versions": ["3.0", "4.0", "5.0"]}

    def custom_fields(self, request):
        self._auth(request)
        entity = request.query.get("filter[entity]")
        rows = [f for f in CUSTOM_FIELDS if not entity or f["entity"] == entity]
        return self._page(request, rows, "customFields")

    def list_users(self, request):
        self._auth(request)
        rows = list(self.users.values())
        if (active := request.query.get("filter[active]")) is not None:
            rows = [u for u in rows if u["active"] == (str(active) in ("1", "true", "True"))]
        return self._page(request, rows, "users")

    def list_tasks(self, request):
        self._auth(request)
        rows = list(self.tasks.values())
        if text := request.query.get("filter[text]"):
            rows = [t for t in rows if text in t.get("text", "") or text in t.get("commentary", "")]
        return self._page(request, rows, "tasks")

    def task_create(self, request):
        self._auth(request)
        task = self._json_field(request, "task")
        errors = {}
        if not isinstance(task, dict) or not task.get("text"):
            errors["text"] = "This value should not be blank."
        elif task.get("performerId") not in self.users:
            errors["performerId"] = "Performer not found."
        if errors:
            raise fail(400, "Task is not created", errors)
        with self.lock:
            tid = len(self.tasks) + 1
            self.tasks[tid] = {**task, "id": tid, "createdAt": self.now(), "complete": False}
        return 201, {"success": True, "id": tid}, {}

    def not_found_body(self, request):
        return {"success": False, "errorMsg": "API method not found"}

    # --- demo --------------------------------------------------------------------------------

    @classmethod
    def demo_account(cls, url: str) -> tuple[dict, dict]:
        return {"instance_url": url, "integration_code": "ccportal"}, {"api_key": API_KEY}

    @classmethod
    def seed_demo(cls, tenant, url: str) -> None:
        name = "retailCRM (simulator)"
        if ConnectorAccount.objects.for_tenant(tenant).filter(name=name).exists():
            return
        settings, credentials = cls.demo_account(url)
        save_account(
            ConnectorAccount(tenant=tenant, kind="retailcrm"),
            actor="seed_demo",
            name=name,
            settings=settings,
            credentials=credentials,
        )
