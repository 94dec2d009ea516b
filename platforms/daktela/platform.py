"""Daktela V6 (https://www.daktela.com/api/v6/): one configured account of it."""

from platforms import base
from platforms.base import Platform
from platforms.daktela import agents, push
from platforms.daktela.client import client_for
from platforms.types import Agent


class DaktelaPlatform(Platform):
    kind = "daktela"
    label = "Daktela V6"
    form_path = "platforms.daktela.forms.ContactCenterForm"
    capabilities = frozenset({base.PUSH_CONTACTS, base.AGENTS})

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
