"""A small in-memory CRM connector for pipeline tests (the real one is tested over HTTP too)."""

from connectors.base import Installation, Provider
from connectors.capabilities import Capability
from connectors.errors import ConnectorError
from connectors.types import WriteResult


class FakeCRM:
    def __init__(self):
        self.records: dict[str, dict] = {}  # key -> call log (idempotent by key)
        self.requests = 0
        self.faults: list = []  # ConnectorError instances or callables raised/applied in order
        self.batch_sizes: list[int] = []
        self.events: list[dict] = []


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
            if log.key not in crm.records:
                crm.records[log.key] = {"id": f"00T{len(crm.records) + 1:05d}", "log": log}
            results.append(WriteResult(key=log.key, crm_id=crm.records[log.key]["id"]))
        return results

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


def transient(message="HTTP 503 from fake", retry_after=None):
    return ConnectorError(message, retry_after=retry_after, status=503)
