"""UIS (CoMagic) simulator: Data API (`/v2.0`) and Call API (`/v4.0`), JSON-RPC 2.0.

Data API methods: get.account, get.employees, get.call_legs_report (filter by
call_session_id), update.employees (calls_available). Call API: start.employee_call. The
access token is in `params.access_token`; errors are JSON-RPC error objects with HTTP 200 and
a `data.mnemonic` as UIS sends them. `finish_call(...)` records a call's legs and
`notify(url, body)` POSTs a notification as UIS's notification service does. Tests use
`fail_rpc(code, mnemonic)` for the next JSON-RPC answer.
"""

import copy
import itertools
import threading

import requests

from platforms.models import ContactCenterAccount
from simulators.base import Simulator
from simulators.uis.data import DEMO_CALL_KEY, DEMO_TOKEN, EMPLOYEES, VIRTUAL_NUMBER


def rpc_error(rid, code: int, message: str, mnemonic: str = "", field: str = ""):
    data = {"mnemonic": mnemonic, **({"field": field} if field else {})}
    return (
        200,
        {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message, "data": data}},
        {},
    )


def rpc_result(rid, data, total=None):
    meta = {"api_version": {"current_version_deprecated": False}, "limits": {}}
    if total is not None:
        meta["total_items"] = total
    return 200, {"jsonrpc": "2.0", "id": rid, "result": {"data": data, "metadata": meta}}, {}


class UisSimulator(Simulator):
    name = "uis"
    routes = [("POST", r"/v2\.0", "data_api"), ("POST", r"/v4\.0", "call_api")]

    def seed(self) -> None:
        self.tokens = {DEMO_TOKEN}
        self.call_keys = {DEMO_CALL_KEY}
        self.employees = copy.deepcopy(EMPLOYEES)
        self.legs: dict[int, list[dict]] = {}
        self.started: list[dict] = []  # start.employee_call params, as received
        self.updates: list[dict] = []  # update.employees params, as received
        self.rpc_faults: list[tuple[int, str]] = []
        self.data_lock = threading.Lock()
        self._sessions = itertools.count(31451224)

    @classmethod
    def seed_demo(cls, tenant, url):
        if not ContactCenterAccount.objects.filter(tenant=tenant, kind="uis").exists():
            account = ContactCenterAccount(
                tenant=tenant,
                kind="uis",
                name="UIS (simulator)",
                url=f"{url}/v2.0",
                settings={
                    "data_api_url": f"{url}/v2.0",
                    "call_api_url": f"{url}/v4.0",
                    "virtual_phone_number": VIRTUAL_NUMBER,
                },
            )
            account.credentials = {"access_token": DEMO_TOKEN, "call_api_key": DEMO_CALL_KEY}
            account.save()

    # --- test helpers ---------------------------------------------------------------------

    def fail_rpc(self, code: int, mnemonic: str = "") -> None:
        self.rpc_faults.append((code, mnemonic))

    def employee(self, employee_id: int) -> dict | None:
        return next((e for e in self.employees if e["id"] == employee_id), None)

    def finish_call(
        self,
        *,
        contact: str,
        employee_id: int | None,
        talked: bool,
        duration: int = 0,
        start_time: str = "2026-11-20 10:00:05",
        direction: str = "in",
    ) -> int:
        """Record one ended call session's legs (what get.call_legs_report will answer)."""
        session = next(self._sessions)
        leg = {
            "id": session * 10,
            "call_session_id": session,
            "direction": direction,
            "start_time": start_time,
            "employee_id": employee_id,
            "employee_full_name": (self.employee(employee_id) or {}).get("full_name"),
            "contact_phone_number": contact,
            "virtual_phone_number": VIRTUAL_NUMBER,
            "total_duration": duration + 7,
            "duration": duration,
            "is_talked": talked,
            "call_records": [f"rec{session}"] if talked else [],
        }
        with self.data_lock:
            self.legs[session] = [leg]
        return session

    def notify(self, url: str, body: dict, **kwargs) -> requests.Response:
        """POST a notification (JSON body) as UIS's notification service does."""
        return requests.post(url, json=body, timeout=10, **kwargs)

    # --- routes ---------------------------------------------------------------------------

    def _rpc(self, request, tokens, methods):
        body = request.json()
        if not isinstance(body, dict) or body.get("jsonrpc") != "2.0":
            return rpc_error(None, -32600, "Invalid Request", "invalid_request")
        rid, params = body.get("id"), body.get("params") or {}
        if self.rpc_faults:
            code, mnemonic = self.rpc_faults.pop(0)
            return rpc_error(rid, code, "Simulated error", mnemonic)
        if params.get("access_token") not in tokens:
            return rpc_error(rid, -32001, "Authorization error: invalid access token", "auth_error")
        handler = methods.get(body.get("method"))
        if handler is None:
            return rpc_error(rid, -32601, "Method not found", "method_not_found")
        return handler(rid, params)

    def data_api(self, request):
        return self._rpc(
            request,
            self.tokens,
            {
                "get.account": self._account,
                "get.employees": self._employees,
                "get.call_legs_report": self._legs,
                "update.employees": self._update,
            },
        )

    def call_api(self, request):
        return self._rpc(request, self.call_keys, {"start.employee_call": self._start})

    def _account(self, rid, params):
        return rpc_result(
            rid, [{"app_id": 4135, "name": "Acme (UIS simulator)", "timezone": "Europe/Moscow"}]
        )

    def _employees(self, rid, params):
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 1000)
        return rpc_result(rid, self.employees[offset : offset + limit], total=len(self.employees))

    def _legs(self, rid, params):
        if not params.get("date_from") or not params.get("date_till"):
            return rpc_error(
                rid, -32602, "Required parameter missed", "required_parameter_missed", "date_from"
            )
        flt = params.get("filter") or {}
        session = flt.get("value") if flt.get("field") == "call_session_id" else None
        with self.data_lock:
            rows = list(self.legs.get(int(session), [])) if session is not None else []
        return rpc_result(rid, rows, total=len(rows))

    def _update(self, rid, params):
        employee = self.employee(params.get("id"))
        if employee is None:
            return rpc_error(rid, -32007, "Employee not found", "entity_not_found", "id")
        if not isinstance(params.get("calls_available"), bool):
            return rpc_error(
                rid, -32602, "Invalid parameter value", "invalid_parameter_value", "calls_available"
            )
        with self.data_lock:
            employee["calls_available"] = params["calls_available"]
            self.updates.append(dict(params))
        return rpc_result(rid, {"id": employee["id"]})

    def _start(self, rid, params):
        employee = self.employee((params.get("employee") or {}).get("id"))
        if employee is None:
            return rpc_error(rid, -32007, "Employee not found", "entity_not_found", "employee.id")
        if params.get("virtual_phone_number") != VIRTUAL_NUMBER:
            return rpc_error(
                rid,
                -32602,
                "Invalid virtual phone number",
                "invalid_parameter_value",
                "virtual_phone_number",
            )
        if not str(params.get("contact") or "").isdigit():
            return rpc_error(rid, -32602, "Invalid contact", "invalid_parameter_value", "contact")
        with self.data_lock:
            self.started.append({k: v for k, v in params.items() if k != "access_token"})
        return rpc_result(rid, {"call_session_id": next(self._sessions)})
