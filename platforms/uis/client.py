"""UIS (CoMagic) JSON-RPC 2.0 client: the Data API and the Call API, through portal.http.

* Data API: `POST {data_api_url}` (https://dataapi.uiscom.ru/v2.0), Call API: `POST
  {call_api_url}` (https://callapi.uiscom.ru/v4.0); the body is `{"jsonrpc": "2.0", "id",
  "method", "params": {"access_token": ..., ...}}`: the token travels in the body, never in
  the URL (so never in an access log).
* An answer is `{"result": {"data": ..., "metadata": ...}}` or `{"error": {"code", "message",
  "data": {"mnemonic", "field", "value"}}}`, usually with HTTP 200: the envelope decides.
  JSON-RPC error codes are mapped to ConnectorError (AuthError for the token's), permanent or
  transient, with a message saying what to fix.
"""

import itertools

from connectors.errors import AuthError, ConnectorError
from connectors.http import request

DATA_API_URL = "https://dataapi.uiscom.ru/v2.0"
CALL_API_URL = "https://callapi.uiscom.ru/v4.0"
READ_STATUS = (400, 401, 403, 404, 405, 413, 415, 422, 500, 502, 503, 504)

# code -> (permanent, what to fix). UIS Data API / Call API error codes (their `mnemonic` is
# added to the message).
AUTH_CODES = {-32001}  # auth_error, access_token_expired, access_token_blocked...
ERRORS = {
    -32700: (True, "UIS could not parse our request (a portal bug: report it)"),
    -32600: (True, "UIS refused the request format (a portal bug: report it)"),
    -32601: (True, "this API method is not available to the token: check the API version URL"),
    -32602: (True, "UIS rejected a parameter: check the account's settings and the mapping"),
    -32003: (True, "the token lacks the right for this method: grant it in UIS (API access)"),
    -32004: (True, "UIS refused the operation for this account: check its UIS tariff"),
    -32007: (True, "UIS does not know the object (employee, number): check the user mapping"),
    -32008: (False, "UIS is busy with a conflicting operation: retried later"),
    -32029: (False, "UIS API request limit exceeded: retried later"),
    -32603: (False, "UIS internal error: retried later"),
}
_ids = itertools.count(1)


class UisError(ConnectorError):
    pass


def rpc_error(error: dict, api: str) -> ConnectorError:
    code = error.get("code")
    message = str(error.get("message") or "error")[:200]
    data = error.get("data") if isinstance(error.get("data"), dict) else {}
    mnemonic = str(data.get("mnemonic") or "")[:60]
    field = str(data.get("field") or "")[:60]
    detail = (
        message + (f" ({mnemonic})" if mnemonic else "") + (f", field {field}" if field else "")
    )
    if code in AUTH_CODES:
        return AuthError(
            f"UIS {api} rejected the access token: {detail}. Create a new token in UIS "
            "(Settings > API: Data API tokens / Call API keys) and save it here.",
            code=str(code),
        )
    permanent, fix = ERRORS.get(code, (not (isinstance(code, int) and code <= -32000), ""))
    hint = f": {fix}" if fix else ""
    return UisError(f"UIS {api} error {code}: {detail}{hint}", permanent=permanent, code=str(code))


class UisClient:
    def __init__(
        self, data_api_url: str, call_api_url: str, token: str, call_key: str = "", session=None
    ):
        self.data_api_url = data_api_url or DATA_API_URL
        self.call_api_url = call_api_url or CALL_API_URL
        self.token = token or ""
        self.call_key = call_key or self.token
        self.session = session

    def call(self, url: str, method: str, params: dict, *, api: str, token: str, retries=None):
        if not token:
            raise AuthError(f"No UIS {api} token is set.")
        body = {
            "jsonrpc": "2.0",
            "id": next(_ids),
            "method": method,
            "params": {"access_token": token, **params},
        }
        response = request(
            "POST",
            url,
            session=self.session,
            json=body,
            ok_status=READ_STATUS,
            retries=retries,
            headers={"Accept": "application/json"},
        )
        status = response.status_code
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
            raise rpc_error(answer["error"], api)
        if status >= 400:
            transient = status >= 500
            raise UisError(f"UIS {api} HTTP {status}", permanent=not transient, status=status)
        if not isinstance(answer, dict):
            raise UisError(f"Unexpected UIS {api} answer: not a JSON-RPC object (retried later)")
        return answer.get("result") or {}

    def data(self, method: str, params: dict | None = None) -> dict:
        return self.call(self.data_api_url, method, params or {}, api="Data API", token=self.token)

    # --- Data API --------------------------------------------------------------------------

    def account(self) -> dict:
        rows = (self.data("get.account").get("data")) or []
        return rows[0] if rows else {}

    def employees(self) -> list[dict]:
        rows, offset = [], 0
        while True:
            result = self.data("get.employees", {"limit": 1000, "offset": offset})
            data = result.get("data") or []
            rows.extend(data)
            offset += len(data)
            total = ((result.get("metadata") or {}).get("total_items")) or 0
            if not data or offset >= int(total):
                return rows

    def call_legs(self, call_session_id: int, date_from: str, date_till: str) -> list[dict]:
        params = {
            "date_from": date_from,
            "date_till": date_till,
            "filter": {"field": "call_session_id", "operator": "=", "value": call_session_id},
            "fields": [
                "id",
                "call_session_id",
                "call_records",
                "direction",
                "start_time",
                "employee_id",
                "employee_full_name",
                "contact_phone_number",
                "virtual_phone_number",
                "total_duration",
                "duration",
                "is_talked",
            ],
        }
        return self.data("get.call_legs_report", params).get("data") or []

    def update_employee(self, employee_id: int, calls_available: bool) -> None:
        self.data("update.employees", {"id": employee_id, "calls_available": calls_available})

    # --- Call API --------------------------------------------------------------------------

    def start_employee_call(self, employee_id: int, contact: str, virtual_number: str) -> str:
        params = {
            "first_call": "employee",
            "switch_at_once": True,
            "early_switching": True,
            "show_virtual_phone_number": False,
            "virtual_phone_number": virtual_number,
            "direction": "out",
            "contact": contact,
            "employee": {"id": employee_id},
        }
        # Never retried inline: a repeated start would ring the employee twice.
        result = self.call(
            self.call_api_url,
            "start.employee_call",
            params,
            api="Call API",
            token=self.call_key,
            retries=0,
        )
        return str((result.get("data") or {}).get("call_session_id") or "")


def client_for(account, session=None) -> UisClient:
    creds, settings = account.credentials or {}, account.settings or {}
    return UisClient(
        settings.get("data_api_url") or account.url,
        settings.get("call_api_url") or "",
        creds.get("access_token", ""),
        creds.get("call_api_key", ""),
        session,
    )
