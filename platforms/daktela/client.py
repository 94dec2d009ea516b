"""Daktela V6 REST client (https://www.daktela.com/api/v6/), through the portal.http seam.

* `{base}/api/v6/{endpoint}.json`, auth with the `X-AUTH-TOKEN` header (the API also takes
  `?accessToken=`; the header keeps the token out of access logs).
* Every answer is an envelope `{"error": [...] | {...}, "result": {...}}`. Daktela can report
  errors inside a 2xx, so the envelope's `error` is checked whatever the status.
* Contacts are keyed by `name` (Daktela's unique identifier): we use a stable name derived
  from the CRM id, update with PUT and create with POST when the PUT says 404, so a retry never
  creates a duplicate.
"""

from urllib.parse import quote

from connectors.errors import AuthError, ConnectorError
from connectors.http import TRANSIENT_STATUS, json_body, request, status_text
from portal import urlpolicy

# 4xx whose envelope we read ourselves (Daktela's parsed error, never the raw body).
READ_STATUS = (400, 401, 403, 404, 405, 409, 410, 413, 415, 422)


class DaktelaError(ConnectorError):
    pass


def _status_error(response) -> DaktelaError:
    try:
        body = response.json()
    except ValueError:
        body = None
    errors = body.get("error") if isinstance(body, dict) else None
    detail = _errors_text(errors)[:300] if errors else status_text(response) or "request failed"
    status = response.status_code
    return DaktelaError(
        f"Daktela HTTP {status}: {detail}", permanent=status not in TRANSIENT_STATUS, status=status
    )


def _errors_text(errors) -> str:
    if isinstance(errors, dict):
        parts = []
        for key, value in errors.items():
            values = value if isinstance(value, list) else [value]
            parts.append(f"{key}: {', '.join(str(v) for v in values)}")
        return "; ".join(parts)
    if isinstance(errors, list):
        return "; ".join(str(e) for e in errors)
    return str(errors)


class DaktelaClient:
    def __init__(self, base_url: str, token: str, session=None):
        self.base = urlpolicy.base_url(base_url)
        self.token = token or ""
        self.session = session

    def _url(self, endpoint: str) -> str:
        return f"{self.base}/api/v6/{endpoint}.json"

    def call(self, method: str, endpoint: str, *, params=None, json=None, ok_status=()):
        if not self.token:
            raise AuthError("No Daktela access token is set.")
        response = request(
            method,
            self._url(endpoint),
            session=self.session,
            params=params,
            json=json,
            headers={"X-AUTH-TOKEN": self.token, "Accept": "application/json"},
            ok_status=tuple(ok_status) + READ_STATUS,
        )
        status = response.status_code
        if status in (401, 403):
            raise AuthError(f"Daktela rejected the access token (HTTP {status}).", status=status)
        if status >= 400 and status not in ok_status:
            raise _status_error(response)
        body = json_body(response) if response.content else {}
        if not isinstance(body, dict):
            raise DaktelaError(
                f"Unexpected Daktela answer: JSON {type(body).__name__}, not an object"
            )
        errors = body.get("error")
        if errors and status < 400:
            # Errors inside a 2xx are the CRM's verdict on the data: retrying will not help.
            raise DaktelaError(f"Daktela: {_errors_text(errors)}", permanent=True)
        return status, body.get("result")

    # --- operations ---------------------------------------------------------------------

    def whoami(self) -> dict:
        _status, result = self.call("GET", "whoim")
        return result or {}

    def upsert_contact(self, payload: dict) -> str:
        """Create or update the contact named payload["name"]; returns "created"|"updated"."""
        name = payload["name"]
        status, _ = self.call(
            "PUT", f"contacts/{quote(name, safe='')}", json=payload, ok_status=(404,)
        )
        if status != 404:
            return "updated"
        self.call("POST", "contacts", json=payload)
        return "created"

    def delete_contact(self, name: str) -> bool:
        """Delete the contact named `name`; False when Daktela has no such contact."""
        status, _ = self.call("DELETE", f"contacts/{quote(name, safe='')}", ok_status=(404,))
        return status != 404

    def get_activity(self, name: str) -> dict | None:
        """One activity (`/activities/{name}.json`, its call / e-mail / chat as `item`); None
        when Daktela has no activity of that name."""
        status, result = self.call("GET", f"activities/{quote(name, safe='')}", ok_status=(404,))
        return None if status == 404 or not isinstance(result, dict) else result

    def get_call(self, id_call: str) -> dict | None:
        """One call (`/activitiesCall/{id_call}.json`); None when Daktela has no such call."""
        path = f"activitiesCall/{quote(id_call, safe='')}"
        status, result = self.call("GET", path, ok_status=(404,))
        return None if status == 404 or not isinstance(result, dict) else result

    def place_call(self, payload: dict) -> dict:
        """Originate a call for a user (`POST /activitiesCall.json`): the user's phone rings,
        then Daktela dials `number`. Returns the new call (its `id_call`)."""
        _status, result = self.call("POST", "activitiesCall", json=payload)
        return result if isinstance(result, dict) else {}

    def list_users(self, take: int = 1000) -> list[dict]:
        users, skip = [], 0
        while True:
            _status, result = self.call("GET", "users", params={"take": take, "skip": skip})
            data = (result or {}).get("data") or []
            users.extend(data)
            skip += len(data)
            if not data or skip >= int((result or {}).get("total") or 0):
                return users


def client_for(account, session=None) -> DaktelaClient:
    """The client of one configured Daktela account (its URL and access token)."""
    return DaktelaClient(account.url, (account.credentials or {}).get("access_token", ""), session)
