"""Connector base class (Sentry's "provider + installation" in one object per account).

A subclass speaks one CRM's wire protocol through its client.py (which uses portal.http).
The base class owns the token lifecycle: tokens are cached encrypted on the account, refreshed
shortly before expiry under a per-connector row lock (two workers never refresh at once), and a
refresh that fails for good moves the account to needs_reauth and tells the tenant's admins.
"""

import logging
import time
from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime

from django.db import transaction

from connectors.errors import AuthError, ConnectorError
from connectors.forms import ConnectorSettingsForm
from connectors.types import (
    CallLog,
    CrmContact,
    CrmField,
    CrmQueue,
    CrmUser,
    TicketRequest,
    Token,
    WriteResult,
)

log = logging.getLogger(__name__)

REFRESH_MARGIN_SECONDS = 120


class Connector:
    kind: str = ""
    label: str = ""
    description: str = ""
    form_class: type[ConnectorSettingsForm] = ConnectorSettingsForm
    guide_template: str = ""  # "How to get authorization data" (templates/connectors/guides/)
    batch_size: int = 100  # records per write request
    supports_web_flow: bool = False  # OAuth authorization-code flow (redirect to the CRM)
    ticket_label: str = "ticket"
    # What an admin does in the CRM when deactivate() failed ("Switch the module off in ...").
    deactivate_by_hand: str = ""

    def __init__(self, account, session=None):
        self.account = account
        self.session = session  # a requests.Session handed to portal.http (tests, bench)

    # --- configuration --------------------------------------------------------------------

    @classmethod
    def secret_fields(cls) -> tuple[str, ...]:
        return cls.form_class.secret_fields

    @property
    def settings(self) -> dict:
        return self.account.settings or {}

    @property
    def credentials(self) -> dict:
        return self.account.credentials or {}

    # --- token lifecycle -------------------------------------------------------------------

    def fetch_token(self) -> Token:
        """Run the CRM's token flow from the stored credentials (no cached token)."""
        raise NotImplementedError

    def refresh_token(self, token: Token) -> Token:
        """Renew `token`; by default run the full token flow again."""
        return self.fetch_token()

    def _cached_token(self) -> Token | None:
        data = self.account.token or {}
        return Token(**data) if data.get("access_token") else None

    def _store_token(self, token: Token) -> None:
        self.account.token = asdict(token)
        self.account.save(update_fields=["token", "updated_at"])

    @staticmethod
    def _fresh(token: Token | None) -> bool:
        if token is None:
            return False
        return token.expires_at is None or token.expires_at - REFRESH_MARGIN_SECONDS > time.time()

    def get_token(self, force_refresh: bool = False) -> Token:
        token = self._cached_token()
        if not force_refresh and self._fresh(token):
            return token
        stale = token.access_token if token else None
        try:
            with transaction.atomic():
                # Per-connector lock: whoever holds the row refreshes; the others reuse its result.
                rows = type(self.account).objects.for_tenant(self.account.tenant_id)
                locked = rows.select_for_update().get(pk=self.account.pk)
                self.account.token = locked.token
                current = self._cached_token()
                if current and current.access_token != stale and self._fresh(current):
                    return current
                new = self.refresh_token(current) if current else self.fetch_token()
                self._store_token(new)
                return new
        except AuthError as exc:
            self.needs_reauth(str(exc))  # refresh failed for good: the admin must authorize again
            raise

    def needs_reauth(self, message: str) -> None:
        from connectors.models import ConnectorStatus
        from connectors.services import notify_admins

        self.account.mark_failed(ConnectorStatus.NEEDS_REAUTH, message)
        notify_admins(self.account, f"{self.account.name} needs to be authorized again", message)

    # --- OAuth web-server (authorization code) flow, for kinds with supports_web_flow ----------

    def authorization_url(self, state: str, redirect_uri: str) -> str:
        """Where to send the admin's browser to log in to the CRM and grant access.

        `state` must come back unchanged on the callback (connectors/oauth.py checks it).
        """
        raise NotImplementedError(f"{self.kind} has no web authorization flow")

    def exchange_code(self, code: str, redirect_uri: str) -> Token:
        """Trade the callback's `code` for a Token (raises ConnectorError / AuthError)."""
        raise NotImplementedError(f"{self.kind} has no web authorization flow")

    def call_with_token(self, fn):
        """Call fn(token); on an expired session refresh once and call again.

        A failed login (get_token) is not retried here: it already marked needs_reauth.
        """
        token = self.get_token()
        try:
            return fn(token)
        except AuthError:
            return fn(self.get_token(force_refresh=True))

    # --- the operations every CRM offers -----------------------------------------------------

    def authorize(self) -> dict:
        """Token flow plus a real test call; marks the account authorized. Returns test info."""
        token = self.fetch_token()
        self.account.token = asdict(token)
        info = self.test_connection()
        self.account.mark_authorized()
        return info

    def test_connection(self) -> dict:
        """A cheap authenticated call proving the token works (e.g. WhoAmI)."""
        raise NotImplementedError

    def deactivate(self) -> str:
        """Disconnect: undo on the CRM side what authorize() registered there.

        Called by services.disconnect_account before the local token is dropped, outside any
        database transaction (it is an HTTP call). Raise ConnectorError when the CRM refuses or
        cannot be reached: the local disconnect still happens and the admin is told to finish
        by hand (`deactivate_by_hand`). Returns what was undone, in words for the audit log and
        the admin ("" when nothing was registered, the default: the token simply goes).
        """
        return ""

    def describe_fields(self, crm_object: str = "Contact") -> list[CrmField]:
        raise NotImplementedError

    def iter_contacts(self, modified_since: datetime | None = None) -> Iterator[list[CrmContact]]:
        """Pages of contacts (deleted ones flagged `deleted=True` where the CRM reports them)."""
        raise NotImplementedError

    def iter_contact_ids(self) -> Iterator[list[str]]:
        """Pages of every live contact id (to detect deletes/merges the CRM does not report)."""
        raise NotImplementedError

    def find_contacts_by_phone(self, phone: str) -> list[CrmContact]:
        raise NotImplementedError

    def list_users(self) -> list[CrmUser]:
        raise NotImplementedError

    def list_queues(self) -> list[CrmQueue]:
        raise NotImplementedError

    def log_calls(self, calls: list[CallLog]) -> list[WriteResult]:
        """Write up to `batch_size` calls; idempotent by CallLog.key. One result per call."""
        raise NotImplementedError

    def create_ticket(self, ticket: TicketRequest) -> WriteResult:
        """Create one ticket (Case / incident), idempotent by TicketRequest.key."""
        raise NotImplementedError

    def record_url(self, crm_object: str, crm_id: str) -> str:
        """A link a person can open to see the record in the CRM."""
        return ""


__all__ = ["Connector", "ConnectorError", "AuthError"]
