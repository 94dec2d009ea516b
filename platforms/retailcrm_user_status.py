"""retailCRM's changeUserStatusUrl: a retailCRM user changed their telephony status.

retailCRM sends `clientId` (the module's secret, checked as for makeCallUrl:
platforms/retailcrm_module.py), `userId` and `status` (free, busy, dinner, break; `code` when
it has one). The agent the user mapping pairs with the user gets the status (AgentStatus:
free -> available, busy -> busy, dinner / break -> away), pushed to the tenant's platforms
(UIS: update.employees calls_available).
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from platforms import agent_status
from platforms.retailcrm_module import ModuleView, agent_for, failure
from platforms.types import AGENT_STATUSES, AVAILABLE, AWAY, BUSY

STATUSES = {"free": AVAILABLE, "busy": BUSY, "dinner": AWAY, "break": AWAY}
STATUSES.update({s: s for s in AGENT_STATUSES})

SCHEMA = extend_schema(
    summary="retailCRM user status change (changeUserStatusUrl)",
    description="Called by retailCRM with the module's clientId: the mapped agent's status is "
    "stored and pushed to the contact-center platforms that take it (UIS update.employees). "
    "Unknown connector and wrong clientId both answer 404; 400: bad status or unmapped user; "
    "502: a platform refused (the status is stored).",
    parameters=[
        OpenApiParameter(p, str, required=p in ("clientId", "userId", "status"))
        for p in ("clientId", "userId", "code", "status")
    ],
    request=None,
    responses={200: inline_serializer("UserStatusOk", {"success": serializers.BooleanField()})},
)


class UserStatusView(ModuleView):
    PARAMS = ("userId", "code", "status")

    @SCHEMA
    def post(self, request, connector_id: int):
        params = self.params(request)
        account, refused = self.module_account(params, connector_id)
        if refused is not None:
            return refused
        status = STATUSES.get(params["status"].lower())
        if status is None:
            return failure(
                400, "validation_error", f"status must be one of {', '.join(sorted(STATUSES))}."
            )
        agent_id = agent_for(account, params["code"], params["userId"])
        if not agent_id:
            return failure(
                400,
                "unknown_agent",
                f"No agent is mapped to retailCRM user {params['userId'] or params['code']!r}: "
                "map the user under Contacts > User mappings in the contact center portal.",
            )
        _row, errors = agent_status.change(
            account.tenant, agent_id, status, f"retailcrm:{account.pk}"
        )
        if errors:
            return failure(502, "platform_error", "; ".join(errors)[:500])
        return Response({"success": True})
