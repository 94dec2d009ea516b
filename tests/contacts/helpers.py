"""Builders for contacts rows (used by the tests and the isolation cases)."""

import dataclasses

from connectors import registry
from connectors.models import ConnectorAccount
from connectors.types import CrmContact
from contacts.importer import Importer
from contacts.models import Contact, FieldMapping, UserMapping
from jobs.models import Job
from platforms.models import ContactCenterAccount
from tests.factories import make_connector


def make_contact(tenant, connector=None, crm_id="003X1", phones=("+420 773 794 804",), **kw):
    connector = connector or connector_named(tenant, f"crm {tenant.slug}")
    Importer(connector, region=tenant.default_region, mapping={}, mark=0).apply(
        [CrmContact(crm_id=crm_id, phones=list(phones), **kw)]
    )
    return Contact.objects.unscoped().get(connector=connector, crm_id=crm_id)


def connector_named(tenant, name):
    return ConnectorAccount.objects.filter(tenant=tenant, name=name).first() or make_connector(
        tenant, name=name
    )


def make_field_mapping(tenant):
    return FieldMapping.objects.create(
        tenant=tenant,
        connector=make_connector(tenant, name=f"fm {tenant.slug}"),
        crm_field="Email",
        cc_field="mail",
    )


def make_user_mapping(tenant):
    return UserMapping.objects.create(
        tenant=tenant,
        connector=make_connector(tenant, name=f"um {tenant.slug}"),
        agent_id="jdoe",
        agent_email="j.doe@acme.com",
    )


def make_cc_account(tenant, url="http://127.0.0.1:9", token="tok"):
    account = ContactCenterAccount(tenant=tenant, name=f"Daktela {tenant.slug}", url=url)
    account.credentials = {"access_token": token}
    account.save()
    return account


def make_sync_job(tenant):
    return Job.objects.create(
        tenant=tenant,
        kind="contact_sync",
        connector=make_connector(tenant, name=f"job {tenant.slug}"),
    )


ALL_OBJECTS = (("contact", "Contact"), ("lead", "Lead"), ("account", "Account"))


def patch_provider(monkeypatch, kind="salesforce", **changes):
    """The provider of `kind` with some facts changed (record_objects, creatable_types,
    capabilities), so a test does not depend on what a CRM package declares today."""
    provider = dataclasses.replace(registry.provider(kind), **changes)
    real = registry.provider
    monkeypatch.setattr(registry, "provider", lambda k: provider if k == kind else real(k))
    return provider
