"""Fake CRMs with tickets, for the pipeline tests of triggers on ringing / answered."""

import pytest

from connectors import registry
from connectors.base import Provider
from connectors.capabilities import Capability
from connectors.models import ConnectorStatus
from connectors.types import TicketCompletion, TicketRequest, WriteResult
from tests.calls.fakes import FakeConnector, FakeCRM
from tests.factories import make_connector


class TicketCRM(FakeCRM):
    def __init__(self):
        super().__init__()
        self.tickets: dict[str, dict] = {}  # key -> {"id", "request", "completions": [...]}
        self.ticket_faults: list = []  # ConnectorErrors raised by create_ticket, in order


class TicketConnector(FakeConnector):
    crm: TicketCRM = TicketCRM()

    def create_ticket(self, ticket: TicketRequest) -> WriteResult:
        if self.crm.ticket_faults:
            raise self.crm.ticket_faults.pop(0)
        row = self.crm.tickets.setdefault(
            ticket.key,
            {"id": f"500{len(self.crm.tickets) + 1:05d}", "request": ticket, "completions": []},
        )
        return WriteResult(key=ticket.key, crm_id=row["id"])

    def complete_ticket(self, completion: TicketCompletion) -> WriteResult:
        row = next(t for t in self.crm.tickets.values() if t["id"] == completion.crm_id)
        row["completions"].append(completion)
        return WriteResult(key=completion.key, crm_id=completion.crm_id, action="updated")


CAPS = {Capability.CALL_LOG, Capability.TICKETS, Capability.CALLBACKS}
PROVIDER = Provider(
    kind="faketix",
    label="Fake Tickets",
    installation_class=TicketConnector,
    batch_size=3,
    capabilities=frozenset(CAPS | {Capability.TICKET_COMPLETION}),
    ticket_label="Case",
)
NO_COMPLETION = Provider(
    kind="faketix_open",
    label="Fake Open Tickets",
    installation_class=TicketConnector,
    batch_size=3,
    capabilities=frozenset(CAPS),
    ticket_label="Case",
)


@pytest.fixture
def ticket_crm(monkeypatch):
    monkeypatch.setitem(
        registry.PROVIDERS, "faketix", ("Fake Tickets", "tests.automations.fakes_tickets.PROVIDER")
    )
    monkeypatch.setitem(
        registry.PROVIDERS,
        "faketix_open",
        ("Fake Open Tickets", "tests.automations.fakes_tickets.NO_COMPLETION"),
    )
    registry.provider.cache_clear()
    crm = TicketCRM()
    monkeypatch.setattr(TicketConnector, "crm", crm)
    yield crm
    registry.provider.cache_clear()


def ticket_connector(tenant, kind="faketix", name="Tickets"):
    return make_connector(
        tenant,
        kind=kind,
        name=name,
        settings={},
        credentials={},
        status=ConnectorStatus.AUTHORIZED,
    )
