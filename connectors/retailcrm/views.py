"""Click-to-call: retailCRM calls the module's makeCallUrl when a user clicks a phone number.

retailCRM cannot send our API key; it sends the `clientId` we registered with the module
(connectors/retailcrm/connector.py), so this is the one endpoint whose URL id is looked up
without a tenant context: the connector id names the module, and its secret clientId (compared
in constant time) is the credential that proves the caller is that tenant's retailCRM.
An unknown id, a connector of another kind, a disabled one and a wrong clientId all get the
same 404, so the endpoint does not reveal which ids exist. A disconnected connector (Disconnect
clicked, not authorized since) answers the right clientId with 409 `disconnected`.
"""

import hmac
import logging

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from connectors import http
from connectors.capabilities import Capability, kinds_with
from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount, ConnectorStatus
from portal.api import error_body
from portal.parsers import JSONParser  # depth-bounded

log = logging.getLogger(__name__)

PARAMS = ("clientId", "code", "phone", "userId", "externalPhone")
_DUMMY = "x" * 43  # compared against when the connector is unknown: same work either way


def failure(status: int, code: str, message: str) -> Response:
    """retailCRM reads `errorMsg`; our API clients read `error` (API.md): give both."""
    return Response(
        {"success": False, "errorMsg": message, **error_body(code, message)}, status=status
    )


_ERROR = inline_serializer(
    "MakeCallError",
    {
        "success": serializers.BooleanField(),
        "errorMsg": serializers.CharField(),
        "error": serializers.DictField(),
    },
)
# A path id that is not a number never reaches the view: Django answers the API's plain
# {"error": ...} 404, without retailCRM's `success`/`errorMsg`.
_NOT_FOUND = inline_serializer(
    "MakeCallNotFound",
    {
        "success": serializers.BooleanField(required=False),
        "errorMsg": serializers.CharField(required=False),
        "error": serializers.DictField(),
    },
)
SCHEMA = extend_schema(
    summary="retailCRM click-to-call (makeCallUrl)",
    description="Called by retailCRM with the module's clientId (query string, form or JSON); "
    "relays the call request to the connector's click-to-call URL. Unknown connector and wrong "
    "clientId both answer 404. 409: the connector was disconnected (`disconnected`) or has no "
    "click-to-call URL (`not_configured`); 502: the telephony side failed.",
    parameters=[OpenApiParameter(p, str, required=p in ("clientId", "phone")) for p in PARAMS],
    request=None,
    responses={
        200: inline_serializer("MakeCallOk", {"success": serializers.BooleanField()}),
        **{status: _ERROR for status in (400, 409, 502)},
        404: _NOT_FOUND,
    },
)


class MakeCallView(APIView):
    authentication_classes = []  # authenticated by the module's clientId, not an API key
    permission_classes = [AllowAny]
    parser_classes = [FormParser, MultiPartParser, JSONParser]

    @SCHEMA
    def get(self, request, connector_id: int):
        return self._make_call(request, connector_id)

    @SCHEMA
    def post(self, request, connector_id: int):
        return self._make_call(request, connector_id)

    def _params(self, request) -> dict:
        data = request.query_params.dict()
        if request.method == "POST" and hasattr(request.data, "get"):
            data.update({k: request.data.get(k) for k in PARAMS if request.data.get(k) is not None})
        return {k: str(data.get(k) or "").strip()[:200] for k in PARAMS}

    def _make_call(self, request, connector_id: int):
        params = self._params(request)
        account = (
            ConnectorAccount.objects.unscoped()  # no tenant yet: the module's clientId decides
            .filter(pk=connector_id, kind__in=kinds_with(Capability.CLICK_TO_CALL))
            .exclude(status=ConnectorStatus.DISABLED)
            .first()
        )
        expected = (account.credentials or {}).get("module_client_id", "") if account else ""
        valid = hmac.compare_digest(params["clientId"].encode(), (expected or _DUMMY).encode())
        if not (account and expected and valid):
            return failure(404, "not_found", "Not found.")
        if account.disconnected:
            # Disconnect switched the module off in retailCRM; this click comes from a page
            # loaded before that, or retailCRM could not be told. The caller proved itself
            # with the clientId, so it may learn why.
            return failure(
                409,
                "disconnected",
                "This integration was disconnected in the contact center portal: an admin "
                "must click Authorize there before click-to-call works again.",
            )
        if not params["phone"]:
            return failure(400, "validation_error", "phone is required.")
        target = account.settings.get("click_to_call_url")
        if not target:
            return failure(
                409, "not_configured", "Click-to-call is not configured for this connector."
            )
        token = (account.credentials or {}).get("click_to_call_token")
        payload = {
            "phone": params["phone"],
            "agent": {"code": params["code"], "userId": params["userId"]},
            "externalPhone": params["externalPhone"],
        }
        try:
            http.request(
                "POST",
                target,
                json=payload,
                headers={"Authorization": f"Bearer {token}"} if token else {},
                timeout=(3.0, 10.0),
                retries=1,
            )
        except ConnectorError as exc:
            log.warning("click-to-call relay for connector %s failed: %s", account.pk, exc)
            return failure(502, "relay_failed", f"The telephony side did not start the call: {exc}")
        return Response({"success": True})
