"""Click-to-call through Daktela: `POST /api/v6/activitiesCall.json` for one user.

Daktela rings the user's own phone (their extension / WebRTC device), then dials `number`
from the outbound queue (`settings.outbound_queue`, else the user's default queue). The user
is the agent's Daktela login (`name`), i.e. the user mapping's agent_id.
"""

from connectors.errors import ConnectorError
from platforms.types import CallRequest


def call_payload(request: CallRequest, settings: dict) -> dict:
    if not request.agent_id:
        raise ConnectorError(
            "No Daktela user to place the call for: map the agent (User mappings, agent id = "
            "the Daktela login name) first.",
            permanent=True,
        )
    if not request.number:
        raise ConnectorError("No number to call.", permanent=True)
    payload = {"user": request.agent_id, "number": request.number}
    if settings.get("outbound_queue"):
        payload["queue"] = str(settings["outbound_queue"])
    if request.external_id:
        payload["options"] = {"external_id": request.external_id}
    return payload


def placed_call_id(result: dict) -> str:
    return str(result.get("id_call") or result.get("name") or "")
