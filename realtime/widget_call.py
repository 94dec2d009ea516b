"""The widget's "Call" link: the signed-in agent's call to a number, placed through the
tenant's contact-center platform (platforms.click_to_call: Daktela, UIS).

The agent is the portal user's user mapping (its agent_email is the user's e-mail): its
agent_id is the platform login the call is placed for. Session only: a signed widget token
identifies a tenant, not an agent, so the token form of the widget shows no Call link.
"""

from dataclasses import dataclass

from connectors.errors import ConnectorError
from contacts.models import UserMapping
from platforms import click_to_call
from platforms.types import CallRequest


@dataclass
class CallOutcome:
    ok: bool
    message: str


def can_call(tenant) -> bool:
    return bool(click_to_call.platform_accounts(tenant))


def agent_of(tenant, user) -> UserMapping | None:
    email = (getattr(user, "email", "") or "").strip()
    if not email:
        return None
    rows = UserMapping.objects.for_tenant(tenant).filter(agent_email__iexact=email)
    return rows.order_by("pk").first()


def place(tenant, user, number: str) -> CallOutcome:
    number = (number or "").strip()
    if not number:
        return CallOutcome(False, "No number to call.")
    agent = agent_of(tenant, user)
    if agent is None:
        return CallOutcome(
            False,
            f"Your portal user ({user.email or 'no e-mail'}) is not a contact-center agent: add "
            "a user mapping whose agent e-mail is yours (Contacts \u203a User mappings) first.",
        )
    request = CallRequest(
        agent_id=agent.agent_id,
        number=number,
        agent_email=agent.agent_email,
        agent_phone=agent.agent_phone,
    )
    try:
        account, call_id = click_to_call.place_call(tenant, request)
    except ConnectorError as exc:
        return CallOutcome(False, f"The call was not placed: {exc}")
    suffix = f" (call {call_id})" if call_id else ""
    return CallOutcome(
        True, f"Calling {number} through {account.name}{suffix}: pick up your phone."
    )
