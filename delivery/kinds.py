"""The kind registry: what an outbox row is, and how a batch of such rows is sent.

Each app registers its kinds once, in its `AppConfig.ready`:

    from delivery import kinds
    kinds.register("ticket", "Ticket", send_tickets, crm_object="Case")

`send(connector, records) -> [WriteResult]` gets the connector object (not the account) and
the claimed rows; one result per row, keyed by the row's `key`. `crm_object` names the CRM
object a written record is, for its link (connector.record_url(crm_object, crm_id)).

A sender may also answer `Skipped(key, reason=..., detail=...)` for a row it decided not to
write after all (a call from an unknown caller whose connector's policy says skip): the row
ends `skipped` with that reason, as a decision's skip does.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from connectors.types import WriteResult

Sender = Callable[[object, list], list]


@dataclass(frozen=True)
class Kind:
    value: str
    label: str
    send: Sender
    crm_object: str


@dataclass
class Skipped(WriteResult):
    """A sender's answer for a row it does not write: the row ends skipped with `reason`."""

    reason: str = ""
    detail: dict = field(default_factory=dict)


_KINDS: dict[str, Kind] = {}


def register(value: str, label: str, send: Sender, *, crm_object: str = "") -> Kind:
    """Declare one kind of outbox row (re-registering a value replaces it)."""
    kind = Kind(value=value, label=label, send=send, crm_object=crm_object or value)
    _KINDS[value] = kind
    return kind


def get(value: str) -> Kind | None:
    return _KINDS.get(value)


def choices() -> list[tuple[str, str]]:
    """SyncRecord.kind's choices (a callable, so the registry fills it after the apps load)."""
    return [(k.value, k.label) for k in _KINDS.values()]
