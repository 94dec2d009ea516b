"""Helpers of the identity tests (issue 13): policies, a CRM that can create records, SF leads."""

import dataclasses

from connectors import registry
from connectors.capabilities import Capability
from connectors.models import ConnectorStatus
from connectors.types import CrmContact
from contacts.models import MatchingPolicy


def policy(account, **fields) -> MatchingPolicy:
    row, _ = MatchingPolicy.objects.update_or_create(
        tenant_id=account.tenant_id, connector=account, defaults=fields
    )
    return row


def authorized(account):
    account.status = ConnectorStatus.AUTHORIZED
    account.save(update_fields=["status"])
    return account


def creating_provider(monkeypatch, kind="salesforce", types=("contact", "lead")):
    """`kind`'s provider with CREATE_RECORDS for `types` (the real one may not have it yet)."""
    real = registry.provider(kind)
    fake = dataclasses.replace(
        real, capabilities=real.capabilities | {Capability.CREATE_RECORDS}, creatable_types=types
    )
    original = registry.provider
    monkeypatch.setattr(registry, "provider", lambda k: fake if k == kind else original(k))
    return fake


class FakeCreate:
    """Stands in for Installation.create_record: records each NewRecord, answers as the CRM."""

    def __init__(self, error: Exception | None = None):
        self.calls, self.error = [], error

    def __call__(self, installation, record):
        self.calls.append(record)
        if self.error:
            raise self.error
        prefix = "00Q" if record.type == "lead" else "003"
        return CrmContact(
            crm_id=f"{prefix}NEW{len(self.calls):05d}",
            first_name=record.first_name,
            last_name=record.last_name,
            phones=[record.phone],
            type=record.type,
            url=f"https://acme.my.salesforce.com/{prefix}NEW",
        )


def add_sf_record(sim, sobject: str, **fields) -> str:
    """A record created in the Salesforce simulator (after any import), as its REST create does."""
    with sim.lock:
        result = sim.store.write(sobject, fields, None, None, {})
    assert result["success"], result
    return result["id"]
