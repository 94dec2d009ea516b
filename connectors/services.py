"""Workflows on connector accounts that span models: configuration with audit, notifications."""

import logging
from dataclasses import asdict, dataclass, field

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from connectors import registry
from connectors.capabilities import Capability, refusal
from connectors.errors import AuthError, ConnectorError
from connectors.models import ConnectorAccount, ConnectorAuditEntry, ConnectorStatus
from tenants import unique_fields
from tenants.models import Membership, Role

log = logging.getLogger(__name__)


def actor_name(actor) -> str:
    return str(getattr(actor, "email", "") or actor) if actor else "system"


def record_audit(account: ConnectorAccount, actor, action: str, changes: dict | None = None):
    return ConnectorAuditEntry.objects.create(
        tenant_id=account.tenant_id,
        connector=account if account.pk else None,
        connector_name=account.name,
        actor=actor_name(actor),
        action=action,
        changes=changes or {},
    )


NAME_TAKEN = "A connector with this name already exists."


@transaction.atomic
def save_account(
    account: ConnectorAccount,
    *,
    actor,
    name: str | None = None,
    settings: dict | None = None,
    credentials: dict | None = None,
) -> ConnectorAccount:
    """Create or update an account from validated values, recording what changed.

    `settings` sets the listed keys; `credentials` replaces only the secrets given.
    An update is a merge into the row as it is now, not as the caller read it: the row is
    locked (SELECT ... FOR UPDATE), re-read (credentials decrypted) and only what this caller
    changed is applied, so concurrent saves of different keys all survive and an acknowledged
    secret rotation is never reverted by a save that read the old one. A settings key whose
    value equals what the caller read is left as the database has it (the caller did not
    change it). Secrets are audited as "changed", never with their value. Changing how the
    connector logs in drops the cached token and asks for Authorize again.
    """
    creating = account.pk is None
    read_settings = dict(account.settings or {})
    if not creating:
        account.refresh_from_db(
            from_queryset=ConnectorAccount.objects.for_tenant(account.tenant_id).select_for_update()
        )
    changes: dict = {}
    if name is not None and name != account.name:
        changes["name"] = {"from": account.name, "to": name}
        account.name = name
    new_settings = dict(account.settings or {})
    for key, value in (settings or {}).items():
        if not creating and key in read_settings and read_settings[key] == value:
            continue  # unchanged by this caller: keep what the database has now
        if not creating and key not in read_settings and value in ("", None):
            new_settings.setdefault(key, value)  # a new optional field saved blank: no change
            continue
        if new_settings.get(key) != value:
            changes[key] = {"from": new_settings.get(key), "to": value}
            new_settings[key] = value
    account.settings = new_settings
    new_creds = dict({} if creating else account.credentials or {})
    secret_names = registry.provider(account.kind).secret_fields()
    for key, value in (credentials or {}).items():
        if key in secret_names and value and new_creds.get(key) != value:
            changes[key] = "changed"
            new_creds[key] = value
    account.credentials = new_creds
    login_changed = any(k != "name" for k in changes)
    if login_changed and not creating:
        account.token = {}
        if account.status == ConnectorStatus.AUTHORIZED:
            account.status = ConnectorStatus.UNCONFIGURED
    with unique_fields.as_field_error(ConnectorAccount, {"name": NAME_TAKEN}):
        account.save()
    if creating or changes:
        record_audit(account, actor, "created" if creating else "updated", changes)
    return account


@transaction.atomic
def delete_account(account: ConnectorAccount, *, actor) -> None:
    record_audit(account, actor, "deleted")
    account.delete()


def notify_admins(account: ConnectorAccount, subject: str, message: str) -> None:
    """Email the tenant's admins (the Integrations page also shows the status and last error)."""
    emails = list(
        Membership.objects.filter(tenant_id=account.tenant_id, role=Role.ADMIN)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not emails:
        return
    try:
        send_mail(subject, f"{message}\n\nOpen Integrations and click Authorize.", None, emails)
    except Exception:  # a mail outage must not break the caller
        log.exception("could not email admins of tenant %s", account.tenant_id)


# --- actions on one account (the Integrations page and the REST API share them) ---------------


@dataclass
class ActionResult:
    """What an action did, in words a tenant admin can act on."""

    ok: bool
    message: str  # what happened (on failure: the CRM's reason)
    hint: str = ""  # what to do next
    # API error code on failure: authorization_failed | crm_error | connector_disabled |
    # not_supported (the CRM kind lacks the capability);
    # with `warning`: crm_not_updated (the CRM could not be told about a Disconnect)
    code: str = ""
    info: dict = field(default_factory=dict)  # the test call's findings on success
    warning: bool = False  # done, but with something the admin must finish (`hint`)


HINT_AUTH = "Check the credentials in the settings, then click Authorize again."
HINT_PERMANENT = (
    "The CRM refused the request: check the settings (Instance URI, the app's permissions in "
    "the CRM), then click Authorize again."
)
HINT_TRANSIENT = (
    "The CRM could not be reached or is busy. Try again in a few minutes; if it keeps "
    "failing, check the Instance URI."
)
HINT_NEEDS_REAUTH = (
    "The stored login stopped working (password changed, access revoked or the refresh "
    "token expired). Click Authorize to log in again."
)
HINT_DISABLED = "The connector is disabled: nothing is synced. Enable it to use it again."


HINT_ADDRESS = (
    "The URL points to an internal address the portal does not connect to: use the CRM's "
    "public address. To allow an internal network an operator sets OUTBOUND_ALLOWED_NETWORKS."
)


def explain(exc: Exception, kind: str = "") -> tuple[str, str]:
    """(API error code, hint) for a failed CRM call of a CRM `kind` (its login fields).

    The connector's own `exc.hint` wins (it knows e.g. that the sign-in service failed, not
    the CRM); an unknown kind gets the generic login hint.
    """
    if getattr(exc, "code", "") == "address_not_allowed":  # portal.netpolicy refused the host
        return "address_not_allowed", HINT_ADDRESS
    auth = isinstance(exc, AuthError)
    code = "authorization_failed" if auth else "crm_error"
    if getattr(exc, "hint", ""):
        return code, exc.hint
    if auth:
        return code, registry.provider(kind).login_hint if kind in registry.PROVIDERS else HINT_AUTH
    if isinstance(exc, ConnectorError) and exc.permanent:
        return code, HINT_PERMANENT
    return code, HINT_TRANSIENT


def status_hint(account: ConnectorAccount) -> str:
    """What to do about an account's current status ("" when nothing is needed)."""
    return {
        ConnectorStatus.NEEDS_REAUTH: HINT_NEEDS_REAUTH,
        ConnectorStatus.ERROR: "Fix the settings, then click Authorize again.",
        ConnectorStatus.UNCONFIGURED: "Click Authorize to log in and test the settings.",
        ConnectorStatus.DISABLED: HINT_DISABLED,
    }.get(account.status, "")


def _disabled(account: ConnectorAccount) -> ActionResult | None:
    if account.status == ConnectorStatus.DISABLED:
        return ActionResult(
            False, f"{account.name} is disabled.", HINT_DISABLED, "connector_disabled"
        )
    return None


def _call(account: ConnectorAccount, fn):
    """Run a connector call; (result, None) or (None, ConnectorError) for any CRM failure."""
    try:
        return fn(), None
    except ConnectorError as exc:
        return None, exc
    except NotImplementedError:
        label = account.get_kind_display()
        return None, ConnectorError(f"{label} does not support this yet.", permanent=True)
    except (KeyError, ValueError, TypeError) as exc:  # a body the connector could not parse
        log.warning("unexpected CRM answer for connector %s: %r", account.pk, exc)
        return None, ConnectorError(f"Unexpected answer from {account.get_kind_display()}.")


def _failed(account: ConnectorAccount, actor, exc: ConnectorError, action: str) -> ActionResult:
    code, hint = explain(exc, account.kind)
    message = str(exc) or "The CRM gave no reason."
    stored = ConnectorAccount.objects.for_tenant(account.tenant_id).filter(pk=account.pk).first()
    if not exc.permanent and stored and stored.status == ConnectorStatus.AUTHORIZED:
        # A blip while re-authorizing must not break a working connector: keep its token.
        account.token = stored.token
    else:
        account.token = {}
        account.status = ConnectorStatus.ERROR
        account.last_error = message[:2000]
        account.save(update_fields=["token", "status", "last_error", "updated_at"])
    record_audit(account, actor, action, {"error": message[:500]})
    return ActionResult(False, message, hint, code)


def _succeeded(account: ConnectorAccount, actor, info, how: str) -> ActionResult:
    account.mark_authorized()
    info = info if isinstance(info, dict) else {}
    record_audit(account, actor, "authorized", {"flow": how})
    return ActionResult(True, f"{account.name} is authorized.", info=info)


def authorize_account(account: ConnectorAccount, *, actor) -> ActionResult:
    """Authorize now: the CRM's token flow plus a real test call (HTTP timeouts apply)."""
    if refused := _disabled(account):
        return refused
    info, exc = _call(account, account.connector.authorize)
    if exc:
        return _failed(account, actor, exc, "authorize_failed")
    return _succeeded(account, actor, info, "token")


def complete_web_authorization(
    account: ConnectorAccount, *, actor, code: str, redirect_uri: str
) -> ActionResult:
    """The OAuth callback's second half: code -> token -> test call -> authorized."""
    if refused := _disabled(account):
        return refused
    if not account.provider.can(Capability.WEB_FLOW):
        return ActionResult(False, refusal(account.kind, Capability.WEB_FLOW), "", "not_supported")
    connector = account.connector

    def exchange_and_test():
        token = connector.exchange_code(code, redirect_uri)
        if not getattr(token, "access_token", ""):
            raise ConnectorError("The CRM answered without an access token.", permanent=True)
        account.token = asdict(token)
        return connector.test_connection()

    info, exc = _call(account, exchange_and_test)
    if exc:
        result = _failed(account, actor, exc, "authorize_failed")
        if isinstance(exc, AuthError):
            label = account.get_kind_display()
            result.hint = (
                f"Click 'Authorize in {label}' again and log in; if it keeps failing, check "
                "the Client ID and Client secret in the settings."
            )
        return result
    return _succeeded(account, actor, info, "web")


def web_authorization_refused(account: ConnectorAccount, *, actor, error: str, description: str):
    """The CRM (or the admin there) declined: record it; the account stays as it was."""
    record_audit(account, actor, "authorize_failed", {"error": f"{error}: {description}"[:500]})


def test_account(account: ConnectorAccount) -> ActionResult:
    """Run the connector's test call with the stored token (refreshed if due)."""
    if refused := _disabled(account):
        return refused
    if not (account.token or {}).get("access_token"):
        return ActionResult(
            False,
            f"{account.name} is not authorized yet.",
            "Click Authorize first.",
            "not_authorized",
        )
    info, exc = _call(account, account.connector.test_connection)
    if exc is None:
        if account.status != ConnectorStatus.AUTHORIZED:
            account.mark_authorized()
        info = info if isinstance(info, dict) else {}
        return ActionResult(True, "The connection works.", info=info)
    code, hint = explain(exc, account.kind)
    account.refresh_from_db(fields=["status"])
    if isinstance(exc, AuthError):
        account.mark_failed(ConnectorStatus.NEEDS_REAUTH, str(exc))
        hint = HINT_NEEDS_REAUTH
    elif exc.permanent:
        account.mark_failed(ConnectorStatus.ERROR, str(exc))
    return ActionResult(False, str(exc), hint, code)


def disconnect_account(account: ConnectorAccount, *, actor) -> ActionResult:
    """Undo on the CRM side what Authorize registered there, then forget the CRM's token.

    The CRM call (`connector.deactivate()`, e.g. retailCRM's module switched off) runs first
    and outside any transaction; it is best effort: when it fails the local disconnect still
    happens, the audit entry records the CRM's reason and the result (ok, `warning`) tells the
    admin what to finish by hand. The settings and secrets stay for the next Authorize;
    `state["disconnected_at"]` marks the account as disconnected until then (mark_authorized).
    """
    done, exc = _call(account, account.connector.deactivate)
    with transaction.atomic():
        account.token = {}
        account.status = ConnectorStatus.UNCONFIGURED
        account.last_error = ""
        account.authorized_at = None
        account.save(update_fields=["token", "status", "last_error", "authorized_at", "updated_at"])
        account.set_state_key("disconnected_at", timezone.now().isoformat())
        if exc is not None:
            changes = {"error": (str(exc) or "The CRM gave no reason.")[:500]}
        else:
            changes = {"crm": done} if isinstance(done, str) and done else {}
        record_audit(account, actor, "disconnected", changes)
    if exc is not None:
        label = account.get_kind_display()
        by_hand = account.provider.deactivate_by_hand or f"Remove the integration in {label}"
        reason = (str(exc) or "no reason given").rstrip(".")
        return ActionResult(
            True,
            f"{account.name} is disconnected here, but {label} could not be told: {reason}.",
            f"{by_hand}, or Authorize and Disconnect again.",
            "crm_not_updated",
            warning=True,
        )
    if isinstance(done, str) and done:
        return ActionResult(
            True, f"{account.name} is disconnected: {done} and its token was dropped."
        )
    return ActionResult(True, f"{account.name} is disconnected: its token was dropped.")


@transaction.atomic
def set_enabled(account: ConnectorAccount, *, actor, enabled: bool) -> None:
    """Disable (nothing syncs, the token is kept) or enable again (back to its last status)."""
    if enabled == (account.status != ConnectorStatus.DISABLED):
        return
    # One state key each way (set_state_key), so a concurrent api_usage write is not undone.
    if enabled:
        before = (account.state or {}).get("status_before_disable")
        account.status = before or ConnectorStatus.UNCONFIGURED
        account.set_state_key("status_before_disable", None)
    else:
        account.set_state_key("status_before_disable", account.status)
        account.status = ConnectorStatus.DISABLED
    account.save(update_fields=["status", "updated_at"])
    record_audit(account, actor, "enabled" if enabled else "disabled")
