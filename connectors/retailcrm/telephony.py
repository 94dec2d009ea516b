"""The telephony side of the retailCRM connector: our integration module and live call events.

The flow is retailCRM's telephony API (https://help.retailcrm.pro/Developers/TelephonyApiV4
describes it; v5 registers through `integration-modules/{code}/edit` instead of
`telephony/setting/{code}/edit`). Mixed into RetailCRMConnector.
"""

import secrets

from django.conf import settings as django_settings
from django.urls import reverse

from connectors import agents
from connectors.retailcrm.mapping import EVENT_TYPES, call_event


class TelephonyModule:
    """Needs `self.account`, `self.client`, `self.code`, `self.credentials` (the connector)."""

    def module_client_id(self) -> str:
        """Our secret for retailCRM's calls back to us, created once per connector."""
        client_id = self.credentials.get("module_client_id")
        if not client_id:
            client_id = secrets.token_urlsafe(32)
            self.account.credentials = {**self.credentials, "module_client_id": client_id}
            self.account.save(update_fields=["credentials", "updated_at"])
        return client_id

    def make_call_url(self) -> str:
        path = reverse("retailcrm-make-call", kwargs={"connector_id": self.account.pk})
        return f"{django_settings.PUBLIC_URL}{path}"

    def change_user_status_url(self) -> str:
        path = reverse("retailcrm-user-status", kwargs={"connector_id": self.account.pk})
        return f"{django_settings.PUBLIC_URL}{path}"

    def module_payload(self) -> dict:
        base = django_settings.PUBLIC_URL
        return {
            "code": self.code,
            "integrationCode": self.code,
            "active": True,
            "name": "Contact center portal",
            "clientId": self.module_client_id(),
            "baseUrl": base,
            "accountUrl": f"{base}/integrations/",
            "actions": {},
            "integrations": {
                "telephony": {
                    "makeCallUrl": self.make_call_url(),
                    "changeUserStatusUrl": self.change_user_status_url(),
                    "allowEdit": False,
                    "inputEventSupported": True,
                    "outputEventSupported": True,
                    "hangupEventSupported": True,
                    "additionalCodes": [
                        {"userId": int(m.crm_user_id), "code": m.agent_id}
                        for m in self._mappings()
                        if m.crm_user_id.isdigit()
                    ],
                }
            },
        }

    def register_module(self, client=None, active: bool = True) -> dict:
        """POST integration-modules/{code}/edit (creates or updates our module).

        `active=False` switches it off (Disconnect): the same document with `active: false`,
        as retailCRM's own WooCommerce module does on deactivation. An inactive module keeps
        its code and clientId, so Authorize later simply switches it on again.
        """
        payload = {**self.module_payload(), "active": active}
        (client or self.client).post(
            f"/integration-modules/{self.code}/edit", {"integrationModule": payload}
        )
        return payload

    def _mappings(self) -> list[agents.AgentLink]:
        """The account's agent <-> retailCRM user pairs (contacts' user mappings)."""
        return agents.links(self.account)

    # --- call events (screen pop) ----------------------------------------------------------

    def send_call_event(self, event: dict) -> bool:
        """Tell retailCRM about a ringing (or ended) call so it pops the customer card.

        `event` has the API.md call-event fields. Returns False when the type is not one
        retailCRM knows (answered, transferred) and nothing was sent.
        """
        if event.get("type") not in EVENT_TYPES:
            return False
        codes, user_ids = [], []
        agent_id, agent_email = (
            event.get("agent_id") or "",
            (event.get("agent_email") or "").lower(),
        )
        for m in self._mappings():
            if (agent_id and m.agent_id == agent_id) or (
                agent_email and m.match_email == agent_email
            ):
                codes.append(m.agent_id)
                if m.crm_user_id.isdigit():
                    user_ids.append(int(m.crm_user_id))
        self.client.post("/telephony/call/event", {"event": call_event(event, codes, user_ids)})
        return True
