"""Daktela's agents: its users (`/users.json`), as plain Agent rows."""

from platforms.types import Agent


def list_agents(client) -> list[Agent]:
    """Every Daktela user with a login name (users without one cannot take calls)."""
    return [
        Agent(
            agent_id=str(user.get("name")),
            email=user.get("email") or "",
            title=user.get("title") or "",
        )
        for user in client.list_users()
        if user.get("name")
    ]
