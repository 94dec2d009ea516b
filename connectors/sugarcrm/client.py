"""SugarCRM REST v11 wire protocol (through the portal.http seam).

Docs: Sugar Developer Guide, Web Services, REST API v11 (https://support.sugarcrm.com/documentation/sugar_developer/).
Errors are `{"error": "<code>", "error_message": "..."}`; an expired or revoked access token is
401 `invalid_grant` / `need_login`, which we raise as AuthError so the base class refreshes once.
"""

import json
import time

from connectors import http
from connectors.errors import AuthError, ConnectorError
from connectors.types import Token
from portal import urlpolicy

API = "/rest/v11"
# Statuses we read ourselves (to surface Sugar's error_message instead of a generic one).
READ_STATUS = (400, 401, 403, 404, 409, 412, 422)


class SugarClient:
    def __init__(self, instance_url: str, session=None):
        self.base = urlpolicy.base_url(instance_url)
        self.session = session

    # --- tokens ----------------------------------------------------------------------------

    def password_grant(self, username: str, password: str, platform: str) -> Token:
        return self._token(
            {
                "grant_type": "password",
                "client_id": "sugar",
                "client_secret": "",
                "username": username,
                "password": password,
                "platform": platform,
            }
        )

    def refresh_grant(self, refresh_token: str, platform: str) -> Token:
        return self._token(
            {
                "grant_type": "refresh_token",
                "client_id": "sugar",
                "client_secret": "",
                "refresh_token": refresh_token,
                "platform": platform,
            }
        )

    def _token(self, payload: dict) -> Token:
        response = http.request(
            "POST",
            f"{self.base}{API}/oauth2/token",
            json=payload,
            session=self.session,
            ok_status=READ_STATUS,
        )
        data = self._body(response)
        if not data.get("access_token"):
            raise ConnectorError("SugarCRM token response has no access_token", permanent=True)
        expires_in = data.get("expires_in")
        return Token(
            access_token=data["access_token"],
            expires_at=time.time() + float(expires_in) if expires_in else None,
            refresh_token=data.get("refresh_token", ""),
            instance_url=self.base,
        )

    # --- REST --------------------------------------------------------------------------------

    def call(self, token: Token, method: str, path: str, *, json_body=None, params=None):
        response = http.request(
            method,
            f"{self.base}{API}{path}",
            json=json_body,
            params=params,
            headers={"OAuth-Token": token.access_token},
            session=self.session,
            ok_status=READ_STATUS,
        )
        return self._body(response)

    def filter(self, token: Token, module: str, body: dict) -> dict:
        return self.call(token, "POST", f"/{module}/filter", json_body=body)

    def bulk(self, token: Token, requests: list[dict]) -> list[dict]:
        """Several requests in one round trip; Sugar wants each `data` as a JSON string."""
        payload = {
            "requests": [
                {"url": f"/v11{r['url']}", "method": r["method"], "data": json.dumps(r["data"])}
                for r in requests
            ]
        }
        replies = self.call(token, "POST", "/bulk", json_body=payload)
        if not isinstance(replies, list) or len(replies) != len(requests):
            raise ConnectorError("SugarCRM bulk reply does not match the request")
        return replies

    # --- errors ------------------------------------------------------------------------------

    @staticmethod
    def _body(response):
        data = http.json_body(response)
        if response.status_code < 400:
            return data
        raise error_from(response.status_code, data)


def error_from(status: int, data) -> ConnectorError:
    """Map Sugar's `{error, error_message}` (also used inside bulk replies) to our errors."""
    data = data if isinstance(data, dict) else {}
    code = str(data.get("error") or "")
    message = f"SugarCRM {status} {code}: {data.get('error_message') or 'request failed'}"
    if status == 401 or code in ("invalid_grant", "need_login"):
        return AuthError(message, status=status, code=code)
    return ConnectorError(message, permanent=True, status=status, code=code)
