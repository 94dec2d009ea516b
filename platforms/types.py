"""Plain data a platform returns (no ORM objects), like connectors/types.py for CRMs."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Agent:
    """A contact-center user (agent), as its platform lists it."""

    agent_id: str  # the platform's login name (Daktela: the user's `name`)
    email: str = ""
    title: str = ""
