"""Provider (what a CRM is and can do) and Installation (one configured account of it).

Sentry's split (integrations/base.py: IntegrationProvider vs IntegrationInstallation):
- a Provider is static data declared once per CRM package (connectors/<kind>/provider.py):
  kind, label, forms, guide, batch size and the capabilities (connectors/capabilities.py);
- an Installation (the "connector" of one ConnectorAccount, built by provider.installation)
  speaks the CRM's wire protocol through its client.py (which uses portal.http) and owns the
  token lifecycle: tokens are cached encrypted on the account, refreshed shortly before expiry
  under a per-connector row lock (two workers never refresh at once), and a refresh that fails
  for good moves the account to needs_reauth and tells the tenant's admins.
"""

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from functools import cached_property

from django.db import transaction

from connectors import registry
from connectors.capabilities import Capability
from connectors.errors import AuthError, ConnectorError
from connectors.forms import ConnectorSettingsForm
from connectors.models import ConnectorStatus
from connectors.services import notify_admins
from connectors.types import (
    CallLog,
    CrmCall,
    CrmContact,
    CrmField,
    CrmQueue,
    CrmUser,
    InteractionLog,
    NewRecord,
    TicketCompletion,
    TicketRequest,
    Token,
    WriteResult,
)
from portal import metrics

log = logging.getLogger(__name__)

REFRESH_MARGIN_SECONDS = 120


@dataclass(frozen=True)
class Provider:
    """The static facts of one CRM kind (no account, no I/O)."""

    kind: str
    label: str
    installation_class: type["Installation"]
    description: str = ""
    form_class: type[ConnectorSettingsForm] = ConnectorSettingsForm
    guide_template: str = ""  # "How to get authorization data" (templates/connectors/guides/)
    ticket_label: str = "ticket"  # what create_ticket makes there: Case, incident, task
    # What an admin does in the CRM when deactivate() failed ("Switch the module off in ...").
    deactivate_by_hand: str = ""
    # What to check when the CRM rejects the login (connectors.services.explain): the fields of
    # this kind's form, not another kind's ("API key", not "user name, password, client ID").
    login_hint: str = "Check the credentials in the settings, then click Authorize again."
    # A CRM user id typed by hand must match this (regex; "" = any), e.g. Dataverse's GUIDs;
    # `user_id_help` says what one looks like (forms that take a CRM user id).
    user_id_pattern: str = ""
    user_id_help: str = ""
    batch_size: int = 100  # records per write request
    # Numbers one find_contacts_by_phones request searches (delivery's batch lookup); 1 =
    # the CRM has no multi-number search: one find_contacts_by_phone request per number.
    phone_search_batch: int = 1
    contact_object: str = "Contact"  # the CRM object contacts are imported from
    # Record type -> the CRM object it is imported from ("lead": "Lead"); the keys are the
    # types this CRM can import and match (API.md `type`; the matching policy's `objects`).
    record_objects: tuple[tuple[str, str], ...] = (("contact", "Contact"),)
    # Which of those can be created for an unknown caller (Capability.CREATE_RECORDS).
    creatable_types: tuple[str, ...] = ()
    # The interaction channels this CRM can hold (Capability.INTERACTIONS); others are skipped
    # with reason `unsupported_channel`.
    interaction_channels: tuple[str, ...] = ()
    # What the call page says when a late send cannot update a logged call (no CALL_UPDATES).
    no_update_reason: str = ""
    capabilities: frozenset[Capability] = frozenset()

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities

    @property
    def record_types(self) -> tuple[str, ...]:
        return tuple(t for t, _obj in self.record_objects)

    def crm_object(self, record_type: str) -> str:
        """The CRM object of a record type ("lead" -> "Lead"); KeyError when not supported."""
        return dict(self.record_objects)[record_type]

    def valid_user_id(self, value: str) -> bool:
        return not self.user_id_pattern or bool(re.fullmatch(self.user_id_pattern, value))

    def secret_fields(self) -> tuple[str, ...]:
        return self.form_class.secret_fields

    def installation(self, account, session=None) -> "Installation":
        """The per-account object (`session`: a requests.Session for portal.http, in tests)."""
        return self.installation_class(account, session=session)


class Installation:
    """One configured account of a CRM: its client, token and calls.

    The operations a capability needs (capabilities.METHODS) raise NotImplementedError here;
    a subclass implements those its provider declares, and callers ask the provider first.
    """

    def __init__(self, account, session=None):
        self.account = account
        self.session = session  # a requests.Session handed to portal.http (tests, bench)

    @cached_property
    def provider(self) -> Provider:
        return registry.provider(self.account.kind)

    # --- configuration --------------------------------------------------------------------

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
                metrics.token_refresh(self.account.kind, "ok")
                return new
        except AuthError as exc:
            metrics.token_refresh(self.account.kind, "needs_reauth")
            self.needs_reauth(str(exc))  # refresh failed for good: the admin must authorize again
            raise
        except ConnectorError:
            metrics.token_refresh(self.account.kind, "error")  # transient: the next try refreshes
            raise

    def needs_reauth(self, message: str) -> None:
        self.account.mark_failed(ConnectorStatus.NEEDS_REAUTH, message)
        notify_admins(self.account, f"{self.account.name} needs to be authorized again", message)

    # --- OAuth web-server (authorization code) flow: Capability.WEB_FLOW ----------------------

    def authorization_url(self, state: str, redirect_uri: str) -> str:
        """Where to send the admin's browser to log in to the CRM and grant access.

        `state` must come back unchanged on the callback (connectors/oauth.py checks it).
        """
        raise NotImplementedError(f"{self.account.kind} has no web authorization flow")

    def exchange_code(self, code: str, redirect_uri: str) -> Token:
        """Trade the callback's `code` for a Token (raises ConnectorError / AuthError)."""
        raise NotImplementedError(f"{self.account.kind} has no web authorization flow")

    def authorize_with_code(self, code: str, redirect_uri: str) -> dict:
        """exchange_code + a real test call; marks the account authorized (like authorize())."""
        self.account.token = asdict(self.exchange_code(code, redirect_uri))
        info = self.test_connection()
        self.account.mark_authorized()
        return info

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

    # Every record operation takes the record type (provider.record_types): "contact",
    # "lead" or "account"; the CrmContacts returned carry it in `type`.

    def iter_contacts(
        self, modified_since: datetime | None = None, record_type: str = "contact"
    ) -> Iterator[list[CrmContact]]:
        """Pages of records (deleted ones flagged `deleted=True` where the CRM reports them)."""
        raise NotImplementedError

    def iter_contact_ids(self, record_type: str = "contact") -> Iterator[list[str]]:
        """Pages of every live record id (to detect deletes/merges the CRM does not report)."""
        raise NotImplementedError

    def count_contacts(
        self, modified_since: datetime | None = None, record_type: str = "contact"
    ) -> int | None:
        """How many records iter_contacts(...) reads; None = unknown (COUNTS)."""
        raise NotImplementedError

    def find_contacts_by_phone(
        self, phone: str, record_types: tuple[str, ...] = ("contact",)
    ) -> list[CrmContact]:
        """Live search in the CRM: records of those types with this number (any stored format).

        Used by the live lookup (contacts/lookup.py) with a short timeout: one request per
        type at most, no paging beyond the first page (a few records)."""
        raise NotImplementedError

    def find_contacts_by_phones(
        self, phones: list[str], record_types: tuple[str, ...] = ("contact",)
    ) -> list[CrmContact]:
        """Several numbers in one search where the CRM can (provider.phone_search_batch > 1);
        by default one find_contacts_by_phone request per number. The caller matches the
        records to the numbers by their phones."""
        found: dict[tuple[str, str], CrmContact] = {}
        for phone in phones:
            for record in self.find_contacts_by_phone(phone, record_types=record_types):
                found.setdefault((record.type, record.crm_id), record)
        return list(found.values())

    def create_record(self, record: NewRecord) -> CrmContact:
        """Create a contact or lead for an unknown caller (CREATE_RECORDS); returns it as read."""
        raise NotImplementedError

    def list_users(self) -> list[CrmUser]:
        raise NotImplementedError

    def list_queues(self) -> list[CrmQueue]:
        raise NotImplementedError

    def log_calls(self, calls: list[CallLog]) -> list[WriteResult]:
        """Write up to provider.batch_size calls; idempotent by CallLog.key; one result each.

        A key written before (CallLog.crm_record_id set, or found by the key) is updated in
        place where the CRM can (CALL_UPDATES): result.action "updated"; a CRM that cannot
        answers "unchanged" with the record's id. `status == "callback"` is open work for the
        agent (a planned call / open Task due at `due_at`), not a completed call."""
        raise NotImplementedError

    def log_interactions(self, items: list[InteractionLog]) -> list[WriteResult]:
        """Write up to provider.batch_size emails / chats / SMS (INTERACTIONS); upsert by key."""
        raise NotImplementedError

    def find_calls(self, calls: list[CallLog], margin_seconds: int) -> dict[str, CrmCall]:
        """Start-margin duplicates (FIND_CALLS): for each CallLog key, a call activity already
        in the CRM (logged by anyone else: the CRM's own CTI, another integration) with the
        same number starting within `margin_seconds` of its `started_at`. A few requests per
        batch, not one per call; records written by us under the same key do not count."""
        raise NotImplementedError

    def create_ticket(self, ticket: TicketRequest) -> WriteResult:
        """Create one ticket (Case / incident), idempotent by TicketRequest.key."""
        raise NotImplementedError

    def complete_ticket(self, completion: TicketCompletion) -> WriteResult:
        """Close a ticket opened during the call, with the outcome (TICKET_COMPLETION)."""
        raise NotImplementedError

    def send_call_event(self, event: dict) -> bool:
        """Push one live call event (API.md fields) to the CRM (LIVE_CALL_EVENTS).

        Returns False when the CRM does not know the event's type and nothing was sent."""
        raise NotImplementedError

    def make_call_url(self) -> str:
        """The URL the CRM calls to start a call from a click on a number (CLICK_TO_CALL)."""
        raise NotImplementedError

    def record_url(self, crm_object: str, crm_id: str) -> str:
        """A link a person can open to see the record in the CRM."""
        return ""


__all__ = ["Provider", "Installation", "ConnectorError", "AuthError"]
