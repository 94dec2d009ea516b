"""The telephony endpoints of the retailCRM simulator (mixed into RetailCRMSimulator):
integration module registration, call events, call upload deduplicated by externalId,
telephony/manager, and `click_to_call()` which plays retailCRM's side of click-to-call.

A module posted with `active: false` is stored and reported as such; while no telephony module
is active, call events and call uploads are refused (400 "Telephony integration is not
active") and click_to_call() offers nothing."""

from datetime import datetime

import requests

from simulators.base import Reply

RESULTS = {"failed", "answered", "busy", "no answer", "not allowed", "unknown"}
DATE = "%Y-%m-%d %H:%M:%S"


def fail(status: int, message: str, errors=None) -> Reply:
    body = {"success": False, "errorMsg": message}
    if errors:
        body["errors"] = errors
    return Reply(status, body)


class TelephonyEndpoints:
    """Needs the simulator's `modules`, `events`, `calls`, `customers`, `users`, `lock`,
    `_auth`, `_json_field`, `_by_phone`."""

    def click_to_call(
        self, phone: str, user_id: int, code: str = "", module: str = "", stale=False, **extra
    ):
        """What retailCRM does when a user clicks a phone number: GET makeCallUrl.

        retailCRM offers no click-to-call for an inactive module, so that raises LookupError;
        `stale=True` clicks anyway (a page loaded before the module was switched off).
        """
        mod = self.modules[module] if module else next(iter(self.modules.values()))
        if not mod.get("active") and not stale:
            raise LookupError(f"module {mod['code']} is inactive: retailCRM shows no telephony")
        params = {
            "clientId": mod["clientId"],
            "phone": phone,
            "userId": user_id,
            "code": code,
            **extra,
        }
        url = mod["integrations"]["telephony"]["makeCallUrl"]
        return requests.get(url, params=params, timeout=10)

    def module_edit(self, request):
        self._auth(request)
        module = self._json_field(request, "integrationModule")
        code = request.match["code"]
        if not isinstance(module, dict) or module.get("code") != code:
            raise fail(400, "Errors in the entity format", {"code": "Code must match the URL."})
        missing = [
            f
            for f in ("code", "integrationCode", "name", "baseUrl", "clientId")
            if not module.get(f)
        ]
        telephony = (module.get("integrations") or {}).get("telephony")
        if telephony is not None and not (telephony or {}).get("makeCallUrl"):
            missing.append("integrations.telephony.makeCallUrl")
        if missing:
            raise fail(
                400,
                "Errors in the entity format",
                {f: "This value should not be blank." for f in missing},
            )
        with self.lock:
            created = code not in self.modules
            self.modules[code] = module
        return (201 if created else 200), {"success": True, "info": {}}, {}

    def module_get(self, request):
        self._auth(request)
        module = self.modules.get(request.match["code"])
        if not module:
            raise fail(404, "Not found")
        return {"success": True, "integrationModule": module}

    def _telephony_active(self) -> bool:
        """Some module with telephony is registered and `active` (Disconnect posts false)."""
        return any(
            m.get("active") and (m.get("integrations") or {}).get("telephony")
            for m in self.modules.values()
        )

    def call_event(self, request):
        self._auth(request)
        event = self._json_field(request, "event")
        if not self._telephony_active():
            raise fail(400, "Telephony integration is not active")
        errors = {}
        if not isinstance(event, dict) or not event.get("phone"):
            errors["phone"] = "This value should not be blank."
        elif event.get("type") not in ("in", "out", "hangup"):
            errors["type"] = "The value you selected is not a valid choice."
        if errors:
            raise fail(400, "Errors in the input parameters", errors)
        with self.lock:
            self.events.append(event)
        return {"success": True}

    def calls_upload(self, request):
        self._auth(request)
        calls = self._json_field(request, "calls")
        if not self._telephony_active():
            raise fail(400, "Telephony integration is not active")
        if not isinstance(calls, list) or not calls:
            raise fail(
                400, "Errors in the input parameters", {"calls": "Expected a non-empty list."}
            )
        errors = {}
        for i, call in enumerate(calls):
            problems = self._call_problems(call)
            errors.update({f"calls[{i}][{f}]": msg for f, msg in problems.items()})
        if errors:
            raise fail(400, "Errors in the input parameters", errors)
        processed, duplicates = 0, []
        with self.lock:
            for call in calls:
                key = call.get("externalId")
                if key and key in self.calls:
                    duplicates.append(key)
                    continue
                processed += 1
                if key:
                    self.calls[key] = call
                else:
                    self.unkeyed_calls.append(call)
        return {"success": True, "processedCallsCount": processed, "duplicateCalls": duplicates}

    @staticmethod
    def _call_problems(call) -> dict:
        if not isinstance(call, dict):
            return {"call": "Expected an object."}
        problems = {}
        try:
            datetime.strptime(str(call.get("date")), DATE)
        except ValueError:
            problems["date"] = "Expected Y-m-d H:i:s."
        if call.get("type") not in ("in", "out"):
            problems["type"] = "The value you selected is not a valid choice."
        if not call.get("phone"):
            problems["phone"] = "This value should not be blank."
        if "result" in call and call["result"] not in RESULTS:
            problems["result"] = "The value you selected is not a valid choice."
        return problems

    def manager(self, request):
        self._auth(request)
        found = self._by_phone(request.query.get("phone"))
        customer = found[0] if found else None
        manager = self.users.get(customer["managerId"]) if customer else None
        links = {"newCustomerLink": f"{self.url}/customers/add"}
        if customer:
            links["customerLink"] = f"{self.url}/customers/{customer['id']}"
        return {"success": True, "manager": manager, "customer": customer, "links": links}
