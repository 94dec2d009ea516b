"""The activity widget's signed tokens and its links to the CRMs' own new-contact forms.

A token is `TimestampSigner(salt=SALT).sign_object({"t": tenant_id, "k": row_id, "e": expiry})`:
signed with SECRET_KEY, it carries the tenant, and the WidgetToken row lets an admin revoke it.
The contact center pastes the widget URL (with the token) into its activity-widget settings,
because a cross-site iframe does not carry the portal's session cookie (SameSite=Lax).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse

from automations.tickets import TICKET_COMPLETION
from automations.triggers import TICKET
from connectors.models import ConnectorAccount
from delivery.models import SyncRecord, SyncState
from realtime.models import WidgetToken
from tenants.models import ORIGIN_RE, Tenant

SALT = "realtime.widget.activity"
URL_TEMPLATE_PARAMS = "clid={clid}&direction={direction}&callid={callid}&activity={activity}"


class TokenError(Exception):
    """Why a widget token is refused (shown to the agent on the 403 page)."""

    def __init__(self, message: str, tenant: Tenant | None = None):
        super().__init__(message)
        self.tenant = tenant  # known only when the signature was valid


def sign_token(row: WidgetToken) -> str:
    expiry = int(row.expires_at.timestamp()) if row.expires_at else 0
    payload = {"t": row.tenant_id, "k": row.pk, "e": expiry}
    return signing.TimestampSigner(salt=SALT).sign_object(payload, compress=True)


def verify_token(token: str) -> tuple[Tenant, WidgetToken]:
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(token)
        tenant_id, row_id, expiry = int(payload["t"]), int(payload["k"]), int(payload.get("e") or 0)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise TokenError("This widget link is not valid. Ask a portal admin for a new widget URL.")
    row = (
        WidgetToken.objects.filter(pk=row_id, tenant_id=tenant_id, tenant__active=True)
        .select_related("tenant")
        .first()
    )
    if row is None:
        raise TokenError("This widget link no longer exists. Ask a portal admin for a new one.")
    if row.revoked_at is not None:
        raise TokenError(
            "This widget link was revoked. Ask a portal admin for a new one.", row.tenant
        )
    if expiry and datetime.now(UTC).timestamp() >= expiry:
        raise TokenError(
            "This widget link has expired. Ask a portal admin for a new one.", row.tenant
        )
    return row.tenant, row


def widget_url(row: WidgetToken | None = None, base: str | None = None) -> str:
    """The URL template to paste into the contact center's activity-widget settings."""
    base = (base or settings.PUBLIC_URL).rstrip("/")
    url = f"{base}{reverse('activity-widget')}?{URL_TEMPLATE_PARAMS}"
    if row is not None:
        url += "&" + urlencode({"token": sign_token(row)})
    return url


def frame_ancestors(tenant: Tenant | None) -> list[str]:
    """The widget's CSP `frame-ancestors` sources: this portal and the tenant's origins."""
    # Re-checked here: a value that slipped past validation must not inject CSP directives.
    stored = (tenant.frame_ancestors if tenant else []) or []
    origins = [o for o in stored if isinstance(o, str) and ORIGIN_RE.match(o)]
    return ["'self'", *origins]


def frame_ancestors_header(tenant: Tenant | None) -> str:
    return "frame-ancestors " + " ".join(frame_ancestors(tenant))


@dataclass(frozen=True)
class CreateLink:
    label: str
    url: str


def create_links(tenant, phone: str, exclude=()) -> list[CreateLink]:
    """One link to the CRM's own new-contact form per CRM account, prefilled with the number
    (for the accounts the portal does not create the caller in itself: `exclude`)."""
    links = []
    for account in ConnectorAccount.objects.for_tenant(tenant).order_by("name"):
        if account.pk in exclude:
            continue
        url = create_contact_url(
            account.kind, (account.settings or {}).get("instance_url", ""), phone
        )
        if url:
            links.append(CreateLink(f"New contact form in {account.name}", url))
    return links


def create_contact_url(kind: str, instance_url: str, phone: str) -> str:
    base = (instance_url or "").rstrip("/")
    if not base.startswith(("https://", "http://")):
        return ""
    if kind == "salesforce":
        # https://help.salesforce.com/s/articleView?id=sf.prefill_record_fields.htm
        return f"{base}/lightning/o/Contact/new?defaultFieldValues=Phone={quote(phone, safe='')}"
    if kind == "dynamics365":
        # https://learn.microsoft.com/power-apps/developer/model-driven-apps/set-field-values-using-parameters-passed-form
        extraqs = quote(f"telephone1={phone}", safe="")
        return f"{base}/main.aspx?etn=contact&pagetype=entityrecord&extraqs={extraqs}"
    if kind == "sugarcrm":
        return f"{base}/#Contacts/create"
    if kind == "retailcrm":
        return f"{base}/customers/add"
    return ""


@dataclass(frozen=True)
class TicketLink:
    label: str  # "Case in Salesforce"
    url: str
    completed: bool  # completed with the call's outcome (a trigger on ringing / answered)


def call_tickets(tenant, call_id: str) -> list[TicketLink]:
    """The tickets opened in the CRMs for the agent's current call (`callid`), with a link:
    those of triggers on ringing / answered appear while the agent is still on the call."""
    if not call_id:
        return []
    rows = SyncRecord.objects.for_tenant(tenant).filter(call__call_id=call_id)
    done = set(
        rows.filter(kind=TICKET_COMPLETION, state=SyncState.SYNCED).values_list(
            "connector_id", "key"
        )
    )
    return [
        TicketLink(
            f"{row.connector.provider.ticket_label} in {row.connector.name}",
            row.crm_record_url,
            (row.connector_id, row.key) in done,
        )
        for row in rows.filter(kind=TICKET, state=SyncState.SYNCED)
        .exclude(crm_record_url="")
        .select_related("connector")
        .order_by("id")
    ]
