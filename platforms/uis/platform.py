"""UIS (CoMagic) cloud PBX (https://www.uiscom.ru): one configured account of it.

Data API (JSON-RPC 2.0, `dataapi.uiscom.ru/v2.0`): test, employees, call legs, employee
availability; Call API (`callapi.uiscom.ru/v4.0`): click-to-call. UIS pushes its own call
notifications to `POST /api/v1/contact-center/{id}/uis/notifications/` (calls/uis.py).
"""

from django.utils import timezone

from connectors.errors import ConnectorError
from platforms import base
from platforms.base import Platform
from platforms.types import AVAILABLE, ActivityDetails, Agent, CallRequest
from platforms.uis import adapter, forms
from platforms.uis.client import client_for


def employee_id(value: str) -> int:
    if not str(value or "").strip().isdigit():
        raise ConnectorError(
            f"UIS needs the employee's numeric id, not {str(value)[:40]!r}: set the user "
            "mapping's agent id to the employee id shown in UIS (Employees).",
            permanent=True,
        )
    return int(value)


class UisPlatform(Platform):
    kind = "uis"
    label = "UIS (CoMagic)"
    form_path = "platforms.uis.forms.UisAccountForm"
    guide_template = "docs/platforms/uis.md"
    extra_secrets = ("call_api_key",)
    capabilities = frozenset(
        {
            base.AGENTS,
            base.COMPLETE_ACTIVITIES,
            base.CALL_NOTIFICATIONS,
            base.CLICK_TO_CALL,
            base.AGENT_STATUS,
        }
    )

    @classmethod
    def clean_settings(cls, value: dict) -> dict:
        return forms.clean_settings(value)

    def client(self):
        if self._client is None:
            self._client = client_for(self.account, self.session)
        return self._client

    def whoami(self) -> str:
        account = self.client().account()
        return str(account.get("name") or account.get("app_id") or "UIS account")

    def list_agents(self) -> list[Agent]:
        return [
            Agent(
                agent_id=str(row["id"]),
                email=str(row.get("email") or ""),
                title=str(row.get("full_name") or ""),
            )
            for row in self.client().employees()
            if row.get("id") is not None
        ]

    def complete_activity(self, activity_id: str, around=None) -> ActivityDetails | None:
        """The call session's legs from the Data API (get.call_legs_report)."""
        if not str(activity_id).isdigit():
            return None
        date_from, date_till = adapter.legs_window(around, timezone.now())
        legs = self.client().call_legs(int(activity_id), date_from, date_till)
        return adapter.activity_details(str(activity_id), legs)

    def place_call(self, request: CallRequest) -> str:
        virtual = str((self.account.settings or {}).get("virtual_phone_number") or "")
        if not virtual:
            raise ConnectorError(
                f"{self.account.name}: set the virtual phone number (the UIS number the "
                "customer sees) in the account's settings before click-to-call works.",
                permanent=True,
            )
        contact = "".join(ch for ch in request.number if ch.isdigit())
        if not contact:
            raise ConnectorError("The number to call has no digits.", permanent=True)
        return self.client().start_employee_call(employee_id(request.agent_id), contact, virtual)

    def set_agent_status(self, agent_id: str, status: str) -> None:
        self.client().update_employee(employee_id(agent_id), status == AVAILABLE)
