"""The shape every contact-center platform package has (platforms/<kind>/platform.py).

A Platform class holds the static facts of a kind (`kind`, `label`, its account form) and, as
an instance, one configured account (the installation): its client and what the portal asks
of it. Callers get one through `platforms.registry.platform_for(account)`.
"""

from typing import ClassVar

from platforms.types import Agent


class Platform:
    kind: ClassVar[str]
    label: ClassVar[str]
    form_path: ClassVar[str]  # dotted path of the account form (forms.py of the package)

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
