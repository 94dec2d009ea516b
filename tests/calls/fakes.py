"""A small in-memory CRM connector for pipeline tests (the real one is tested over HTTP too)."""

from connectors import registry
from connectors.base import Installation, Provider
from connectors.capabilities import Capability
from connectors.errors import ConnectorError
from connectors.types import CrmCall, WriteResult


class FakeCRM:
    def __init__(self):
        self.records: dict[str, dict] = {}  # key -> call log (idempotent by key)
        self.requests = 0
        self.faults: list = []  # ConnectorError instances or callables raised/applied in order
        self.batch_sizes: list[int] = []
        self.events: list[dict] = []
        self.writes: list[tuple[str, str]] = []  # (action, key) per record written
        self.updatable = True  # a key written before is updated ("updated"), else "unchanged"
        self.others: list[dict] = []  # calls logged by someone else: {crm_id, phone, started_at}
        self.find_requests = 0
        self.find_faults: list = []  # ConnectorError instances raised by find_calls, in order


class FakeConnector(Installation):
    crm: FakeCRM = FakeCRM()

    def log_calls(self, calls):
        crm = self.crm
        crm.requests += 1
        crm.batch_sizes.append(len(calls))
        if crm.faults:
            fault = crm.faults.pop(0)
            if isinstance(fault, Exception):
                raise fault
            return fault(calls)
        results = []
        for log in calls:
            known = crm.records.get(log.key)
            if known is None:
                crm.records[log.key] = known = {"id": f"00T{len(crm.records) + 1:05d}", "log": log}
                action = "created"
            elif crm.updatable:
                known["log"], action = log, "updated"
            else:
                action = "unchanged"
            crm.writes.append((action, log.key))
            results.append(WriteResult(key=log.key, crm_id=known["id"], action=action))
        return results

    def find_calls(self, calls, margin_seconds):
        crm = self.crm
        crm.requests += 1
        crm.find_requests += 1
        if crm.find_faults:
            raise crm.find_faults.pop(0)
        found = {}
        for log in calls:
            for other in crm.others:
                near = abs((other["started_at"] - log.started_at).total_seconds())
                if other["phone"] == log.phone and near <= margin_seconds:
                    found[log.key] = CrmCall(
                        crm_id=other["crm_id"],
                        phone=other["phone"],
                        url=f"https://fake.crm/{other['crm_id']}",
                    )
                    break
        return found

    def send_call_event(self, event: dict) -> None:
        self.crm.events.append(event)

    def record_url(self, crm_object, crm_id):
        return f"https://fake.crm/{crm_object}/{crm_id}"


PROVIDER = Provider(
    kind="fake",
    label="Fake CRM",
    installation_class=FakeConnector,
    batch_size=3,
    capabilities=frozenset({Capability.CALL_LOG, Capability.LIVE_CALL_EVENTS}),
)


# The same fake with the issue-14 capabilities: logged calls are updated, existing calls found.
FULL_PROVIDER = Provider(
    kind="fake",
    label="Fake CRM",
    installation_class=FakeConnector,
    batch_size=3,
    capabilities=frozenset(
        {
            Capability.CALL_LOG,
            Capability.LIVE_CALL_EVENTS,
            Capability.CALL_UPDATES,
            Capability.FIND_CALLS,
        }
    ),
)
# A CRM that keeps the first upload of a call (retailCRM-like).
FROZEN_PROVIDER = Provider(
    kind="fake",
    label="Frozen CRM",
    installation_class=FakeConnector,
    batch_size=3,
    no_update_reason="Frozen CRM cannot update a logged call",
    capabilities=frozenset({Capability.CALL_LOG}),
)


def use_provider(monkeypatch, name: str) -> None:
    """Serve kind "fake" with another provider of this module (after the fake_crm fixture)."""
    monkeypatch.setitem(registry.PROVIDERS, "fake", ("Fake CRM", f"tests.calls.fakes.{name}"))
    registry.provider.cache_clear()


def transient(message="HTTP 503 from fake", retry_after=None):
    return ConnectorError(message, retry_after=retry_after, status=503)
