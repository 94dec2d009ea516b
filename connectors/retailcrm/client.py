"""retailCRM API v5 wire protocol (through the portal.http seam).

Reference: retailCRM's API v5 docs and the official `retailcrm` Python client, whose wire
format tests/connectors/test_retailcrm_library.py checks against our simulator.
Auth is the `X-API-KEY` header (no tokens). POST bodies are form fields whose values are JSON
strings (`calls=<json>`, `event=<json>`, `integrationModule=<json>`), exactly as the official
`retailcrm` client sends them. Every reply carries `success`; errors add `errorMsg` and `errors`.
"""

import json

from connectors import http
from connectors.errors import AuthError, ConnectorError
from portal import urlpolicy

READ_STATUS = (400, 401, 403, 404, 409, 460)


class RetailClient:
    def __init__(self, instance_url: str, api_key: str, session=None, on_auth_error=None):
        self.base = urlpolicy.base_url(instance_url)
        self.api_key = api_key
        self.session = session
        self.on_auth_error = on_auth_error  # called with the message when the key is rejected

    def get(self, path: str, params: dict | None = None, *, version: bool = True) -> dict:
        return self._send("GET", path, version, params=_flatten(params or {}))

    def post(self, path: str, fields: dict) -> dict:
        """Form-encoded POST; dict/list values are sent as JSON strings."""
        data = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in fields.items()}
        return self._send("POST", path, True, data=data)

    def _send(self, method: str, path: str, version: bool, **kwargs) -> dict:
        url = f"{self.base}/api{'/v5' if version else ''}{path}"
        response = http.request(
            method,
            url,
            headers={"X-API-KEY": self.api_key},
            session=self.session,
            ok_status=READ_STATUS,
            **kwargs,
        )
        data = http.json_body(response)
        if response.status_code < 400 and isinstance(data, dict) and data.get("success", True):
            return data
        error = error_from(response.status_code, data)
        if isinstance(error, AuthError) and self.on_auth_error:
            self.on_auth_error(error.message)
        raise error


def error_from(status: int, data) -> ConnectorError:
    data = data if isinstance(data, dict) else {}
    message = f"retailCRM {status}: {data.get('errorMsg') or 'request failed'}"
    errors = data.get("errors")
    if errors:
        message += f" {json.dumps(errors, ensure_ascii=False)[:500]}"
    if status in (401, 403) and "apikey" in message.lower().replace('"', ""):
        return AuthError(message, status=status)
    if status == 403:  # key valid but lacks a permission (scope): the admin must act
        return ConnectorError(message, permanent=True, status=status, code="forbidden")
    return ConnectorError(message, permanent=True, status=status)


def _flatten(params: dict, prefix: str = "") -> list[tuple[str, str]]:
    """PHP-style query: {"filter": {"ids": [1, 2]}} -> filter[ids][]=1&filter[ids][]=2."""
    pairs = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict):
            pairs += _flatten(value, name)
        elif isinstance(value, list | tuple):
            pairs += [(f"{name}[]", str(v)) for v in value]
        elif value is not None:
            pairs.append((name, str(int(value)) if isinstance(value, bool) else str(value)))
    return pairs
