"""Access tokens for Dataverse with msal (OAuth 2.0 client credentials, scope `{instance}/.default`).

msal talks HTTP through `SeamHttpClient`, so token calls get the same timeouts, retries, TLS
errors and CA trust as every other call (portal.http). The portal keeps the token (encrypted on
the account, refreshed by connectors.base); msal's in-memory cache is per process and is emptied
before each fetch so that a forced refresh really asks the authority again.
"""

import time
from urllib.parse import urlsplit

import msal
import requests
from msal.authority import WELL_KNOWN_AUTHORITY_HOSTS

from connectors import http
from connectors.errors import FIX_AND_AUTHORIZE, AuthError, ConnectorError
from connectors.types import Token
from portal import urlpolicy

DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
# An error whose message already says what to check (a known AADSTS code) gets only this hint.
AFTER_FIX = FIX_AND_AUTHORIZE
# msal reads OAuth error bodies itself; 429 and 5xx stay with the seam (retry, then transient error).
_OAUTH_ERROR_STATUS = tuple(s for s in range(400, 500) if s != 429)

# AADSTS codes -> what the admin should check (https://learn.microsoft.com/entra/identity-platform/reference-error-codes)
AADSTS_HINTS = {
    "7000215": "The application secret is wrong. Copy the secret's Value (not its ID) from "
    "Certificates & secrets, or create a new one.",
    "7000222": "The application secret has expired. Create a new client secret and save it here.",
    "700016": "No application with this Application (client) ID exists in the directory. "
    "Check the client ID and the Directory (tenant) ID.",
    "90002": "The Directory (tenant) ID was not found. Copy it from the app registration's "
    "Overview page; for a sovereign cloud also set its Authority host.",
    "500011": "The Instance URI is not a Dynamics 365 environment of this directory. Check the "
    "environment URL (https://<org>.crm<N>.dynamics.com).",
    "65001": "Admin consent is missing. Grant admin consent for Dynamics CRM in API permissions.",
}


class SeamHttpClient:
    """The `http_client` msal uses: requests through portal.http with `verify` passed explicitly.

    Why explicit: requests lets a global REQUESTS_CA_BUNDLE override `session.verify` unless the
    request itself names `verify` (requests.Session.merge_environment_settings).
    """

    def __init__(self, session: requests.Session):
        self.session = session

    def _send(self, method: str, url: str, **kwargs):
        kwargs.pop("timeout", None)  # the seam's timeouts apply
        return http.request(
            method,
            url,
            session=self.session,
            verify=self.session.verify,
            ok_status=_OAUTH_ERROR_STATUS,
            **kwargs,
        )

    def get(self, url, params=None, headers=None, **kwargs):
        return self._send("GET", url, params=params, headers=headers, **kwargs)

    def post(self, url, params=None, data=None, headers=None, **kwargs):
        return self._send("POST", url, params=params, data=data, headers=headers, **kwargs)

    def close(self):
        pass


def authority_of(settings: dict) -> tuple[str, bool]:
    """(authority URL, use instance discovery) from the account settings."""
    host = urlpolicy.base_url(settings.get("authority_host") or DEFAULT_AUTHORITY)
    known = urlsplit(host).hostname in WELL_KNOWN_AUTHORITY_HOSTS
    return f"{host}/{settings.get('directory_id', '').strip()}", known


def scope_of(settings: dict) -> str:
    return settings["instance_url"].rstrip("/") + "/.default"


class TokenSource:
    def __init__(self, settings: dict, credentials: dict, session: requests.Session):
        self.settings, self.credentials, self.session = settings, credentials, session
        self._app = None

    def app(self) -> msal.ConfidentialClientApplication:
        if self._app is None:
            authority, known_host = authority_of(self.settings)
            try:
                self._app = msal.ConfidentialClientApplication(
                    self.settings.get("client_id", ""),
                    client_credential=self.credentials.get("client_secret", ""),
                    authority=authority,
                    http_client=SeamHttpClient(self.session),
                    # Outside Microsoft's hosts msal's instance discovery would call
                    # login.microsoftonline.com after an error and raise instead of returning it.
                    instance_discovery=None if known_host else False,
                )
            except ValueError as exc:  # the authority's openid-configuration could not be read
                # msal re-raises the discovery error; the AADSTS text is on the original one
                detail = f"{exc} {exc.__context__ or ''}"
                raise AuthError(_authority_message(detail, authority), hint=AFTER_FIX) from exc
            except ConnectorError as exc:
                raise _blame_authority(exc, authority) from exc
        return self._app

    def fetch(self) -> Token:
        app = self.app()
        cache = app.token_cache
        for item in list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
            cache.remove_at(item)
        try:
            result = app.acquire_token_for_client(scopes=[scope_of(self.settings)])
        except ConnectorError as exc:
            raise _blame_authority(exc, authority_of(self.settings)[0]) from exc
        if "access_token" not in result:
            raise token_error(result)
        return Token(
            access_token=result["access_token"],
            expires_at=time.time() + float(result.get("expires_in") or 3600),
            instance_url=self.settings["instance_url"].rstrip("/"),
        )


def token_error(result: dict) -> ConnectorError:
    """An msal error dict -> AuthError with a message the admin can act on."""
    description = result.get("error_description") or ""
    codes = [str(c) for c in result.get("error_codes") or []]
    for code, hint in AADSTS_HINTS.items():
        if code in codes or f"AADSTS{code}:" in description:
            return AuthError(f"{hint} (AADSTS{code})", code=result.get("error", ""), hint=AFTER_FIX)
    first_line = description.splitlines()[0] if description else result.get("error", "unknown")
    return AuthError(f"Microsoft Entra ID refused the token request: {first_line}")


def _blame_authority(exc: ConnectorError, authority: str) -> ConnectorError:
    """A seam failure while talking to the sign-in service: the Authority host is to check, not
    the Instance URI (Dataverse was not asked yet)."""
    if isinstance(exc, AuthError) or exc.hint or exc.code == "address_not_allowed":
        return exc
    exc.hint = (
        f"The sign-in service {urlsplit(authority).hostname} could not be reached. Check the "
        "Authority host (leave it empty for Microsoft's public cloud); if it is right, try "
        "again in a few minutes."
    )
    return exc


def _authority_message(detail: str, authority: str) -> str:
    if "90002" in detail or "invalid_tenant" in detail:
        return f"{AADSTS_HINTS['90002']} (AADSTS90002)"
    return (
        f"Could not read the sign-in configuration of {authority}: check the Authority host "
        "and the Directory (tenant) ID."
    )
