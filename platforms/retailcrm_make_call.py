"""Click-to-call: retailCRM calls the module's makeCallUrl when a user clicks a phone number.

The call is placed through the tenant's enabled contact-center platform that can place calls
(platforms.click_to_call: UIS `start.employee_call`, Daktela), for the agent the user mapping
pairs with retailCRM's `code` / `userId`. Without such a platform, the connector's legacy
click-to-call URL (settings.click_to_call_url) gets the request relayed as generic JSON.
Authentication and its answers: platforms/retailcrm_module.py.
"""

import logging

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from connectors import http
from connectors.errors import ConnectorError
from platforms import click_to_call
from platforms.retailcrm_module import ModuleView, agent_for, failure
from platforms.types import CallRequest

log = logging.getLogger(__name__)

PARAMS = ("code", "phone", "userId", "externalPhone")

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
    "places the call through the tenant's contact-center platform (UIS start.employee_call, "
    "Daktela) for the mapped agent, else relays it to the connector's click-to-call URL. "
    "Unknown connector and wrong clientId both answer 404. 400: no phone, or no agent for the "
    "retailCRM user (`unknown_agent`); 409: the connector was disconnected (`disconnected`) or "
    "nothing places calls (`not_configured`); 502: the platform or the telephony side failed.",
    parameters=[
        OpenApiParameter(p, str, required=p in ("clientId", "phone")) for p in ("clientId", *PARAMS)
    ],
    request=None,
    responses={
        200: inline_serializer("MakeCallOk", {"success": serializers.BooleanField()}),
        **{status: _ERROR for status in (400, 409, 502)},
        404: _NOT_FOUND,
    },
)


class MakeCallView(ModuleView):
    PARAMS = PARAMS

    @SCHEMA
    def get(self, request, connector_id: int):
        return self._make_call(request, connector_id)

    @SCHEMA
    def post(self, request, connector_id: int):
        return self._make_call(request, connector_id)

    def _make_call(self, request, connector_id: int):
        params = self.params(request)
        account, refused = self.module_account(params, connector_id)
        if refused is not None:
            return refused
        if not params["phone"]:
            return failure(400, "validation_error", "phone is required.")
        if click_to_call.platform_accounts(account.tenant):
            return self._place(account, params)
        return self._relay(account, params)

    def _place(self, account, params):
        agent_id = agent_for(account, params["code"], params["userId"])
        if not agent_id:
            return failure(
                400,
                "unknown_agent",
                f"No agent is mapped to retailCRM user {params['userId'] or params['code']!r}: "
                "map the user under Contacts > User mappings in the contact center portal.",
            )
        request = CallRequest(agent_id=agent_id, number=params["phone"])
        try:
            platform, call_id = click_to_call.place_call(account.tenant, request)
        except ConnectorError as exc:
            log.warning("click-to-call for connector %s failed: %s", account.pk, exc)
            return failure(502, "platform_error", f"The call was not started: {exc}")
        log.info(
            "click-to-call for connector %s placed by %s: %s", account.pk, platform.pk, call_id
        )
        return Response({"success": True})

    def _relay(self, account, params):
        target = account.settings.get("click_to_call_url")
        if not target:
            return failure(
                409,
                "not_configured",
                "Click-to-call is not configured for this connector: add (and enable) a UIS or "
                "Daktela account under Contact center, or set a click-to-call URL.",
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
