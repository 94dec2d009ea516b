"""The retailCRM integration module's calls back to us (makeCallUrl, changeUserStatusUrl).

retailCRM cannot send our API key; it sends the `clientId` we registered with the module
(connectors/retailcrm/telephony.py), so these endpoints look the URL's connector id up without
a tenant context: the connector id names the module, and its secret clientId (compared in
constant time) is the credential that proves the caller is that tenant's retailCRM.
An unknown id, a connector of another kind, a disabled one and a wrong clientId all get the
same 404, so the endpoints do not reveal which ids exist. A disconnected connector (Disconnect
clicked, not authorized since) answers the right clientId with 409 `disconnected`.
These live in the platforms layer because they act on the tenant's contact-center platform.
"""

import hmac

from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from connectors import agents
from connectors.capabilities import Capability, kinds_with
from connectors.models import ConnectorAccount, ConnectorStatus
from portal.api import error_body
from portal.parsers import JSONParser  # depth-bounded

_DUMMY = "x" * 43  # compared against when the connector is unknown: same work either way


def failure(status: int, code: str, message: str) -> Response:
    """retailCRM reads `errorMsg`; our API clients read `error` (API.md): give both."""
    return Response(
        {"success": False, "errorMsg": message, **error_body(code, message)}, status=status
    )


class ModuleView(APIView):
    """Base of the module's callbacks: `params` from query, form or JSON; `module_account`."""

    authentication_classes = []  # authenticated by the module's clientId, not an API key
    permission_classes = [AllowAny]
    parser_classes = [FormParser, MultiPartParser, JSONParser]
    PARAMS: tuple[str, ...] = ()

    def params(self, request) -> dict:
        data = request.query_params.dict()
        if request.method == "POST" and hasattr(request.data, "get"):
            names = (*self.PARAMS, "clientId")
            data.update({k: request.data.get(k) for k in names if request.data.get(k) is not None})
        return {k: str(data.get(k) or "").strip()[:200] for k in (*self.PARAMS, "clientId")}

    def module_account(self, params, connector_id: int):
        """(connector, None) or (None, the failure Response)."""
        account = (
            ConnectorAccount.objects.unscoped()  # no tenant yet: the module's clientId decides
            .filter(pk=connector_id, kind__in=kinds_with(Capability.CLICK_TO_CALL))
            .exclude(status=ConnectorStatus.DISABLED)
            .first()
        )
        expected = (account.credentials or {}).get("module_client_id", "") if account else ""
        valid = hmac.compare_digest(params["clientId"].encode(), (expected or _DUMMY).encode())
        if not (account and expected and valid):
            return None, failure(404, "not_found", "Not found.")
        if account.disconnected:
            # Disconnect switched the module off in retailCRM; this call comes from a page
            # loaded before that, or retailCRM could not be told. The caller proved itself
            # with the clientId, so it may learn why.
            return None, failure(
                409,
                "disconnected",
                "This integration was disconnected in the contact center portal: an admin "
                "must click Authorize there before click-to-call works again.",
            )
        return account, None


def agent_for(account, code: str, user_id: str) -> str:
    """Our agent id (the platform's login / UIS employee id) of retailCRM's code / userId:
    the user mapping whose agent id is the code, else whose CRM user is the userId."""
    links = agents.links(account)
    for link in links:
        if code and link.agent_id == code:
            return link.agent_id
    for link in links:
        if user_id and link.crm_user_id == user_id:
            return link.agent_id
    return ""
