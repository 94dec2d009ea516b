"""Daktela V6 (https://www.daktela.com/api/v6/): one configured account of it."""

from contextlib import contextmanager

from connectors.errors import AuthError, ConnectorError
from platforms import base
from platforms.base import Platform
from platforms.daktela import agents, push
from platforms.daktela.activities import activity_details
from platforms.daktela.calls import call_payload, placed_call_id
from platforms.daktela.client import client_for
from platforms.types import ActivityDetails, Agent, CallRequest


class DaktelaPlatform(Platform):
    kind = "daktela"
    label = "Daktela V6"
    form_path = "platforms.daktela.forms.ContactCenterForm"
    capabilities = frozenset(
        {base.PUSH_CONTACTS, base.AGENTS, base.COMPLETE_ACTIVITIES, base.CLICK_TO_CALL}
    )

    def client(self):
        if self._client is None:  # one client per installation (a push reuses it per contact)
            self._client = client_for(self.account, self.session)
        return self._client

    def whoami(self) -> str:
        user = self.client().whoami().get("user") or {}
        return user.get("title") or user.get("name") or "?"

    def list_agents(self) -> list[Agent]:
        return agents.list_agents(self.client())

    def upsert_contact(self, contact) -> str:
        return self.client().upsert_contact(push.daktela_payload(contact))

    def delete_contact(self, connector_id: int, crm_id: str) -> bool:
        return self.client().delete_contact(push.daktela_name(connector_id, crm_id))

    def complete_activity(self, activity_id: str) -> ActivityDetails | None:
        with self._explained("read the activity " + activity_id):
            activity = self.client().get_activity(activity_id)
        if activity is None:
            return None
        return activity_details(activity, self.account.tenant.zone)

    def place_call(self, request: CallRequest) -> str:
        payload = call_payload(request, self.account.settings or {})
        with self._explained(f"place a call for {request.agent_id or 'the agent'}"):
            return placed_call_id(self.client().place_call(payload))

    @contextmanager
    def _explained(self, what: str):
        """Daktela's refusals re-raised naming the account and what to fix."""
        name = self.account.name
        try:
            yield
        except AuthError as exc:
            raise AuthError(
                f"The access token of {name} is not valid: {exc}. Create a new access token "
                f"in Daktela (Manage \u203a Users \u203a the API user \u203a Access tokens) "
                f"and save it on the account.",
                status=exc.status,
            ) from exc
        except ConnectorError as exc:
            raise ConnectorError(
                f"{name}: could not {what}: {exc}",
                exc.permanent,
                retry_after=exc.retry_after,
                status=exc.status,
                code=exc.code,
            ) from exc
