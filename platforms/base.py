"""The shape every contact-center platform package has (platforms/<kind>/platform.py).

A Platform class holds the static facts of a kind (`kind`, `label`, its account form) and, as
an instance, one configured account (the installation): its client and what the portal asks
of it. Callers get one through `platforms.registry.platform_for(account)`.
"""

from typing import ClassVar

from platforms.types import ActivityDetails, Agent, CallRequest

# What a platform can do (its `capabilities`), as for CRMs (connectors/capabilities.py).
PUSH_CONTACTS = "push_contacts"  # imported contacts pushed (upsert_contact / delete_contact)
AGENTS = "agents"  # agents listed (list_agents)
COMPLETE_ACTIVITIES = "complete_activities"  # an activity read back by id (complete_activity)
CALL_NOTIFICATIONS = "call_notifications"  # the platform pushes its own call notifications
CLICK_TO_CALL = "click_to_call"  # a call placed for an agent (place_call)
AGENT_STATUS = "agent_status"  # agent availability pushed to the platform (set_agent_status)

CAPABILITY_LABELS = {
    PUSH_CONTACTS: "contact push",
    AGENTS: "agent list",
    COMPLETE_ACTIVITIES: "activity details",
    CALL_NOTIFICATIONS: "call notifications",
    CLICK_TO_CALL: "click-to-call",
    AGENT_STATUS: "agent status",
}


class Platform:
    kind: ClassVar[str]
    label: ClassVar[str]
    form_path: ClassVar[str]  # dotted path of the account form (forms.py of the package)
    capabilities: ClassVar[frozenset[str]] = frozenset()
    guide_template: ClassVar[str] = ""  # "How to get authorization data" (docs/platforms/)

    # Write-only secrets the kind takes besides `access_token` (credentials keys).
    extra_secrets: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def can(cls, capability: str) -> bool:
        return capability in cls.capabilities

    @classmethod
    def clean_settings(cls, value: dict) -> dict:
        """The kind's `settings` validated (API and form); raises django ValidationError
        {field: [message]}. Kinds without settings keep none."""
        return {}

    def __init__(self, account, session=None):
        self.account = account
        self.session = session
        self._client = None

    def client(self):
        """The HTTP client of this account (through the portal.http seam)."""
        raise NotImplementedError

    def whoami(self) -> str:
        """The name of the API user the credentials log in as (the "Test" button)."""
        raise NotImplementedError

    def list_agents(self) -> list[Agent]:
        raise NotImplementedError

    def upsert_contact(self, contact) -> str:
        """Create or update one imported contact; "created" or "updated"."""
        raise NotImplementedError

    def delete_contact(self, connector_id: int, crm_id: str) -> bool:
        """Delete one contact we pushed; False when the platform no longer has it."""
        raise NotImplementedError

    def complete_activity(self, activity_id: str) -> ActivityDetails | None:
        """Read one activity / call back from the platform's API (COMPLETE_ACTIVITIES);
        None when the platform does not know it. Raises ConnectorError (through the seam)."""
        raise NotImplementedError

    def place_call(self, request: CallRequest) -> str:
        """Start a call for the agent to the number (CLICK_TO_CALL); returns the platform's id
        of the call. Raises ConnectorError with a message saying what to fix."""
        raise NotImplementedError

    def set_agent_status(self, agent_id: str, status: str) -> None:
        """Tell the platform an agent is available / busy / away (AGENT_STATUS)."""
        raise NotImplementedError
