"""A fake CRM that holds emails and chats (not SMS): interaction logs upserted by key."""

from dataclasses import replace

import pytest

from connectors import registry
from connectors.capabilities import Capability
from connectors.models import ConnectorStatus
from connectors.types import WriteResult
from tests.calls.fakes import PROVIDER, FakeConnector, FakeCRM
from tests.factories import make_connector


class FakeInteractionConnector(FakeConnector):
    def log_interactions(self, items):
        crm = self.crm
        crm.requests += 1
        crm.batch_sizes.append(len(items))
        if crm.faults:
            fault = crm.faults.pop(0)
            if isinstance(fault, Exception):
                raise fault
            return fault(items)
        results = []
        for item in items:
            row = crm.records.get(item.key)
            if row is None:
                row = crm.records[item.key] = {"id": f"00T{len(crm.records) + 1:05d}", "writes": 0}
            row["log"], row["writes"] = item, row["writes"] + 1
            action = "created" if row["writes"] == 1 else "updated"
            results.append(WriteResult(key=item.key, crm_id=row["id"], action=action))
        return results


IX_PROVIDER = replace(
    PROVIDER,
    kind="fakeix",
    label="Fake IX CRM",
    installation_class=FakeInteractionConnector,
    interaction_channels=("email", "chat"),
    capabilities=PROVIDER.capabilities | {Capability.INTERACTIONS},
)


@pytest.fixture
def ix_crm(monkeypatch):
    monkeypatch.setitem(
        registry.PROVIDERS, "fakeix", ("Fake IX CRM", "tests.calls.fakes_interactions.IX_PROVIDER")
    )
    registry.provider.cache_clear()
    crm = FakeCRM()
    monkeypatch.setattr(FakeConnector, "crm", crm)
    yield crm
    registry.provider.cache_clear()


@pytest.fixture
def ix_connector(tenant, ix_crm):
    return make_connector(
        tenant,
        kind="fakeix",
        name="Fake IX",
        settings={},
        credentials={},
        status=ConnectorStatus.AUTHORIZED,
    )
