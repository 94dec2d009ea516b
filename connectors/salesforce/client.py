"""Salesforce REST on the wire: OAuth token endpoint, REST calls, error bodies, limit header.

Every request goes through portal.http.request (timeouts, inline retries of 502/503/504,
transient/permanent mapping). This module adds what is Salesforce-specific:

- REST errors are a JSON array `[{"message", "errorCode", "fields"}]`
  (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm):
  401 INVALID_SESSION_ID -> AuthError (the connector refreshes once and retries),
  403 REQUEST_LIMIT_EXCEEDED -> transient with a back-off (Salesforce sends no Retry-After).
- The token endpoint answers `{"error", "error_description"}`.
- Every REST response carries `Sforce-Limit-Info: api-usage=N/M`; it is handed to `on_usage`.
"""

import re
from collections.abc import Callable
from urllib.parse import quote

from connectors import http
from connectors.errors import FIX_AND_AUTHORIZE, AuthError, ConnectorError
from portal import urlpolicy

API_VERSION = "v62.0"
LIMIT_BACKOFF_SECONDS = 60.0  # daily limits are a rolling 24 h window; retry a minute later
# Statuses whose body is Salesforce's own error array: read it instead of the seam's message.
ERROR_STATUSES = (300, 400, 401, 403, 404, 405, 409, 415)
# Per-record errors in sObject Collections results that go away on their own.
TRANSIENT_RECORD_ERRORS = {"UNABLE_TO_LOCK_ROW", "REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE"}
_USAGE = re.compile(r"(?<![\w-])api-usage=(\d+)/(\d+)")  # not per-app-api-usage

TOKEN_ERRORS = {
    "invalid_grant": "authentication failure: check user name, password + security token",
    "invalid_client_id": "client id rejected: check the Connected App's Consumer Key",
    "invalid_client": "client secret rejected: check the Connected App's Consumer Secret",
    "unsupported_grant_type": (
        "this org blocks the username-password flow: use Authorize in Salesforce"
    ),
    "inactive_user": "the API user is inactive",
    "inactive_org": "the Salesforce org is locked or inactive",
}


def parse_usage(header: str | None) -> tuple[int, int] | None:
    match = _USAGE.search(header or "")
    return (int(match[1]), int(match[2])) if match else None


def token_error(response, grant: str = "password") -> AuthError | ConnectorError:
    """Map an OAuth token endpoint failure (400 {"error", "error_description"})."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    code = str(body.get("error") or "")
    detail = str(body.get("error_description") or "")
    if response.status_code >= 500:
        return ConnectorError(f"Salesforce login unavailable (HTTP {response.status_code})")
    if code == "invalid_grant" and grant == "refresh_token":
        return AuthError(f"refresh token rejected ({detail}): authorize again", code=code)
    if code == "invalid_grant" and grant == "authorization_code":
        return AuthError(f"authorization code rejected: {detail}", code=code)
    message = TOKEN_ERRORS.get(code) or f"Salesforce login failed: {code} {detail}".strip()
    if code == "invalid_grant" and detail and "authentication failure" not in detail:
        message = f"{message} ({detail})"
    # A known code's message names what to check: the hint does not repeat it.
    hint = FIX_AND_AUTHORIZE if code in TOKEN_ERRORS else ""
    return AuthError(message, code=code, status=response.status_code, hint=hint)


def rest_error(response) -> ConnectorError:
    """Map a REST error body `[{"message", "errorCode"}]` to ConnectorError / AuthError."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    first = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else {}
    if isinstance(body, dict):  # a few endpoints answer one object
        first = body
    code = str(first.get("errorCode") or first.get("error") or "")
    message = str(first.get("message") or first.get("error_description") or response.reason)
    text = f"Salesforce {code or status}: {message}"
    if status == 401 or code == "INVALID_SESSION_ID":
        return AuthError(text, code=code or "INVALID_SESSION_ID", status=status)
    if code == "REQUEST_LIMIT_EXCEEDED":
        return ConnectorError(
            f"Salesforce API limit reached ({message}); backing off",
            permanent=False,
            retry_after=LIMIT_BACKOFF_SECONDS,
            status=status,
            code=code,
        )
    return ConnectorError(text, permanent=True, status=status, code=code)


class SalesforceClient:
    """One org's REST API with one access token."""

    def __init__(
        self,
        instance_url: str,
        access_token: str = "",
        *,
        session=None,
        on_usage: Callable[[int, int], None] | None = None,
        version: str = API_VERSION,
    ):
        self.instance_url = urlpolicy.base_url(instance_url)
        self.access_token = access_token
        self.session = session
        self.on_usage = on_usage
        self.base = f"/services/data/{version}"

    # --- OAuth ---------------------------------------------------------------------------

    def token(self, data: dict) -> dict:
        """POST the token endpoint with a form body; the parsed token response."""
        response = http.request(
            "POST",
            f"{self.instance_url}/services/oauth2/token",
            session=self.session,
            data=data,
            headers={"Accept": "application/json"},
            ok_status=(400, 401, 403),
        )
        if response.status_code >= 400:
            raise token_error(response, data.get("grant_type", ""))
        body = http.json_body(response)
        if not isinstance(body, dict) or not body.get("access_token"):
            raise ConnectorError("Salesforce token response without access_token")
        if body.get("instance_url"):  # every later call goes there: the outbound policy applies
            try:
                http.check_url(str(body["instance_url"]))
            except ConnectorError as exc:
                exc.message = f"Salesforce's token answer, instance_url: {exc.message}"
                raise
        return body

    # --- REST ----------------------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs):
        """Call `path` (absolute like /services/... or relative to /services/data/vXX.X)."""
        if not path.startswith("/services/"):
            path = f"{self.base}/{path.lstrip('/')}"
        headers = {
            "Authorization": f"Bearer {self.access_token}",
            "Accept": "application/json",
            **kwargs.pop("headers", {}),
        }
        response = http.request(
            method,
            self.instance_url + path,
            session=self.session,
            headers=headers,
            ok_status=ERROR_STATUSES,
            **kwargs,
        )
        usage = parse_usage(response.headers.get("Sforce-Limit-Info"))
        if usage and self.on_usage:
            self.on_usage(*usage)
        if response.status_code >= 400 or response.status_code == 300:
            raise rest_error(response)
        if response.status_code == 204 or not response.content:
            return None
        return http.json_body(response)

    def get(self, path: str, **params):
        return self.request("GET", path, params=params or None)

    def upsert_collection(self, sobject: str, ext_field: str, records: list[dict]) -> list[dict]:
        """PATCH /composite/sobjects/{SObject}/{ExternalIdField}: one result per record."""
        body = {
            "allOrNone": False,
            "records": [{"attributes": {"type": sobject}, **r} for r in records],
        }
        result = self.request("PATCH", f"composite/sobjects/{sobject}/{ext_field}", json=body)
        if not isinstance(result, list) or len(result) != len(records):
            raise ConnectorError("Salesforce collection response does not match the request")
        return result

    def upsert(self, sobject: str, ext_field: str, value: str, record: dict) -> dict | None:
        """PATCH /sobjects/{SObject}/{field}/{value}: {id, created, ...} (None on 204)."""
        path = f"sobjects/{sobject}/{ext_field}/{quote(value, safe='')}"
        return self.request("PATCH", path, json=record)


def soql_literal(value: str) -> str:
    """A quoted SOQL string literal (backslash and quote escaped, as Salesforce requires)."""
    escaped = str(value).replace("\\", "\\\\").replace("'", "\\'")
    escaped = escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f"'{escaped}'"


SOSL_RESERVED = set("?&|!{}[]()^~*:\\\"'+-")


def sosl_escape(term: str) -> str:
    """Escape SOSL reserved characters inside FIND {...}."""
    return "".join(f"\\{c}" if c in SOSL_RESERVED else c for c in term)
