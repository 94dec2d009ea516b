"""A fake CRM that can create records for unknown callers (the pipeline's tests of the
matching policy; Salesforce itself is tested over HTTP in test_salesforce_matching.py)."""

import threading
import time

from connectors.base import Provider
from connectors.capabilities import Capability
from connectors.errors import ConnectorError
from connectors.types import CrmContact
from tests.calls.fakes import FakeConnector, FakeCRM


class CreatingCRM(FakeCRM):
    def __init__(self):
        super().__init__()
        self.created: list = []  # NewRecord per create_record request
        self.create_delay = 0.0  # seconds: widens the window two workers race in
        self.create_faults: list = []
        self._lock = threading.Lock()


class CreatingConnector(FakeConnector):
    crm: CreatingCRM = CreatingCRM()

    def create_record(self, record):
        crm = self.crm
        if crm.create_faults:
            raise crm.create_faults.pop(0)
        time.sleep(crm.create_delay)
        with crm._lock:
            crm.created.append(record)
            n = len(crm.created)
        prefix = "00Q" if record.type == "lead" else "003"
        return CrmContact(
            crm_id=f"{prefix}NEW{n:04d}",
            last_name=record.last_name,
            phones=[record.phone],
            owner_crm_id=record.owner_crm_id,
            type=record.type,
        )

    def find_contacts_by_phone(self, phone, record_types=("contact",)):
        return []


CAPS = frozenset({Capability.CALL_LOG, Capability.CONTACTS, Capability.CREATE_RECORDS})
PROVIDER = Provider(
    kind="fake_create",
    label="Creating CRM",
    installation_class=CreatingConnector,
    batch_size=10,
    record_objects=(("contact", "Contact"), ("lead", "Lead")),
    creatable_types=("contact", "lead"),
    capabilities=CAPS,
)
# The same CRM, but it cannot create leads (creatable_types) — and one that creates nothing.
CONTACTS_ONLY = Provider(
    kind="fake_contacts_only",
    label="Contacts-only CRM",
    installation_class=CreatingConnector,
    batch_size=10,
    record_objects=(("contact", "Contact"), ("lead", "Lead")),
    creatable_types=("contact",),
    capabilities=CAPS,
)


def transient(message="HTTP 503 from fake"):
    return ConnectorError(message, status=503)
