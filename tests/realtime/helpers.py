"""Builders for the local contact store (rows created directly, as the sync would)."""

from itertools import count

from connectors.models import ConnectorAccount
from contacts.models import Contact, ContactPhone, UserMapping
from portal.phones import normalize, phone_row
from realtime.models import RoutingRule, ScreenPopRule, WidgetToken
from tests.factories import make_connector

_ids = count(1)


def connector_for(tenant, kind="salesforce", **kwargs):
    """The tenant's connector of that kind (created once)."""

    found = ConnectorAccount.objects.filter(tenant=tenant, kind=kind).first()
    return found or make_connector(tenant, kind=kind, **kwargs)


def make_contact(tenant, *phones, connector=None, owner="", fields=None, **kw):
    connector = connector or connector_for(tenant)
    n = next(_ids)
    crm_id = kw.pop("crm_id", f"003{n:05d}")
    contact = Contact.objects.create(
        tenant=tenant,
        connector=connector,
        crm_id=crm_id,
        first_name=kw.pop("first_name", f"First{n}"),
        last_name=kw.pop("last_name", f"Last{n}"),
        email=kw.pop("email", f"c{n}@example.com"),
        owner_crm_id=owner,
        fields=fields or {},
        phones=[normalize(p, tenant.default_region) or p for p in phones],
        crm_url=kw.pop("crm_url", f"https://acme.my.salesforce.com/{crm_id}"),
        **kw,
    )
    for raw in phones:
        row = phone_row(raw, tenant.default_region)  # what the contact sync stores
        if row:
            ContactPhone.objects.create(
                tenant=tenant, contact=contact, raw=row[0], e164=row[1], tail=row[2]
            )
    return contact


def make_mapping(tenant, crm_user_id, agent_phone, connector=None, agent_id=None):
    return UserMapping.objects.create(
        tenant=tenant,
        connector=connector or connector_for(tenant),
        agent_id=agent_id or f"agent-{crm_user_id}",
        agent_email=f"{crm_user_id}@acme.test",
        agent_phone=agent_phone,
        crm_user_id=crm_user_id,
    )


def make_rule(tenant, kind="owner", position=None, **kw):
    position = position or (RoutingRule.objects.filter(tenant=tenant).count() + 1)
    return RoutingRule.objects.create(
        tenant=tenant, kind=kind, position=position, name=kw.pop("name", f"{kind} rule"), **kw
    )


def make_pop_rule(tenant, key="01", rule="direction=inbound=>default"):
    return ScreenPopRule.objects.create(tenant=tenant, key=key, rule=rule)


def make_widget_token(tenant, **kw):
    return WidgetToken.objects.create(tenant=tenant, name=kw.pop("name", "Daktela"), **kw)
