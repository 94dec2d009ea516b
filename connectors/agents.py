"""Agent <-> CRM user pairs of one connector, as plain data, supplied by a higher layer.

connectors sit below contacts, which owns the UserMapping model: instead of importing it,
connectors ask this seam, and contacts registers the lookup in its AppConfig.ready
(contacts.matching.agent_links). Without a registered source there are no pairs.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class AgentLink:
    agent_id: str  # the contact center's agent code
    match_email: str  # lower-cased email the pair was matched by ("" when none)
    crm_user_id: str  # the CRM user's id ("" while unmatched)


_source: Callable[[object], Iterable[AgentLink]] | None = None


def register_source(source: Callable[[object], Iterable[AgentLink]]) -> None:
    """source(account) -> the account's AgentLinks, in a stable order."""
    global _source
    _source = source


def links(account) -> list[AgentLink]:
    return list(_source(account)) if _source is not None else []
