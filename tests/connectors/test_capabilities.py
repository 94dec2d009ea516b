"""Providers declare what they can do (connectors/capabilities.py), and callers ask them.

- every capability a provider declares is backed by methods its installation implements;
- an action a kind lacks answers 409 `not_supported` over the API (never a 500 or an
  AttributeError) and a message on the page; a kind with no capabilities at all ("bare",
  registered here) proves every such action; the real kinds are checked by the same table.
"""

import inspect

import pytest
from django.urls import reverse

from calls import ingest
from connectors import registry
from connectors.base import Installation, Provider
from connectors.capabilities import METHODS, Capability, NotSupported, kinds_with, require
from connectors.models import ConnectorStatus
from contacts.models import ContactSyncSettings
from contacts.sync import ContactSync
from jobs.models import Job
from tests.connectors.test_oauth import messages_of
from tests.factories import make_connector

KINDS = list(registry.PROVIDERS)


class BareConnector(Installation):
    """A CRM that can only log in (no contacts, calls, tickets...)."""

    def fetch_token(self):
        raise AssertionError("not called by these tests")


BARE = Provider(kind="bare", label="Bare CRM", installation_class=BareConnector)


@pytest.fixture
def bare_kind(monkeypatch):
    monkeypatch.setitem(
        registry.PROVIDERS, "bare", ("Bare CRM", "tests.connectors.test_capabilities.BARE")
    )
    registry.provider.cache_clear()
    yield "bare"
    registry.provider.cache_clear()


def provider_of(kind: str) -> Provider:
    return BARE if kind == "bare" else registry.provider(kind)


# --- declared capabilities are backed by methods -------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_declared_capability_is_implemented(kind):
    provider = registry.provider(kind)
    assert provider.kind == kind and provider.label == registry.label(kind)
    assert provider.capabilities, f"{kind} declares no capability"
    cls = provider.installation_class
    for capability in provider.capabilities:
        for name in METHODS[capability]:
            method = getattr(cls, name, None)
            assert callable(method), f"{kind}: {capability} needs {name}()"
            assert method is not getattr(Installation, name, None), (
                f"{kind} declares {capability} but keeps the base {name}() (NotImplementedError)"
            )
            # Callable the way callers call the base method (same parameter names).
            base = inspect.signature(getattr(Installation, name)).parameters
            own = inspect.signature(method).parameters
            assert set(base) <= set(own), f"{kind}.{name}{inspect.signature(method)}"


@pytest.mark.parametrize("kind", KINDS)
def test_provider_builds_the_installation_of_an_account(kind, tenant):
    account = make_connector(tenant, kind=kind, name=f"{kind} acct")
    connector = account.connector
    assert isinstance(connector, registry.provider(kind).installation_class)
    assert connector.provider is registry.provider(kind) is account.provider
    assert connector.account is account


def test_every_capability_names_its_methods():
    assert set(METHODS) == set(Capability)
    assert all(hasattr(Installation, name) for names in METHODS.values() for name in names)


def test_what_each_kind_declares():
    """The capability table of docs/connectors.md."""
    assert kinds_with(Capability.LIVE_CALL_EVENTS) == ["retailcrm"]
    assert kinds_with(Capability.CLICK_TO_CALL) == ["retailcrm"]
    assert kinds_with(Capability.WEB_FLOW) == ["salesforce"]
    assert kinds_with(Capability.QUEUES) == ["salesforce", "dynamics365"]
    for capability in (Capability.CONTACTS, Capability.COUNTS, Capability.CALL_LOG):
        assert kinds_with(capability) == KINDS
    assert kinds_with(Capability.TICKETS) == KINDS
    assert kinds_with(Capability.CALLBACKS) == KINDS


def test_require_raises_a_409_for_a_missing_capability(tenant, bare_kind):
    account = make_connector(tenant, kind=bare_kind, name="Bare", settings={}, credentials={})
    with pytest.raises(NotSupported) as raised:
        require(account, Capability.TICKETS)
    assert raised.value.status_code == 409 and raised.value.default_code == "not_supported"
    assert str(raised.value.detail) == "Bare: Bare CRM has no tickets."
    sf = make_connector(tenant, name="SF")
    assert require(sf, Capability.TICKETS) is sf


# --- callers ask the capability, not the object ---------------------------------------------------


def test_live_call_events_only_to_kinds_that_declare_them(tenant):
    retail = make_connector(
        tenant,
        kind="retailcrm",
        name="Shop",
        settings={"instance_url": "https://shop.retailcrm.ru", "integration_code": "cc"},
        credentials={"api_key": "k"},
        status=ConnectorStatus.AUTHORIZED,
    )
    make_connector(tenant, name="SF", status=ConnectorStatus.AUTHORIZED)
    assert ingest._call_event_connectors(tenant) == [retail.pk]


def test_sync_without_counts_never_asks_for_a_total(tenant, bare_kind, monkeypatch):
    account = make_connector(tenant, kind=bare_kind, name="Bare", settings={}, credentials={})
    called = []
    monkeypatch.setattr(BareConnector, "count_contacts", lambda self, **kw: called.append(kw))
    run = ContactSync.__new__(ContactSync)
    run.account = account
    assert run._count(account.connector, None) is None
    assert called == []


# --- the API: 409 not_supported for every action a kind lacks ------------------------------------

# (capability, method, path under /api/v1/ with {id} = the connector, body)
API_ACTIONS = [
    (Capability.CONTACTS, "post", "connectors/{id}/sync-contacts/", {}),
    (Capability.CONTACTS, "get", "connectors/{id}/contact-sync-settings/", None),
    (Capability.CONTACTS, "put", "connectors/{id}/contact-sync-settings/", {"enabled": False}),
    (Capability.USERS, "post", "connectors/{id}/match-users/", {}),
    (Capability.CALL_LOG, "get", "connectors/{id}/call-sync-settings/", None),
    (Capability.CALL_LOG, "put", "connectors/{id}/call-sync-settings/", {"enabled": False}),
    (
        Capability.TICKETS,
        "post",
        "triggers/",
        {"connector": "{id}", "name": "Missed", "subject_template": "Missed {caller}"},
    ),
    (
        Capability.CALLBACKS,
        "post",
        "callback-profiles/",
        {"connector": "{id}", "name": "CB", "callback_list": "cb"},
    ),
]
LACKING = [
    pytest.param(kind, capability, method, path, body, id=f"{kind}-{method}-{path}")
    for kind in [*KINDS, "bare"]
    for capability, method, path, body in API_ACTIONS
    if not provider_of(kind).can(capability)
]


@pytest.mark.parametrize(("kind", "capability", "method", "path", "body"), LACKING)
def test_an_action_the_kind_lacks_is_409(
    api, tenant, bare_kind, kind, capability, method, path, body
):
    account = make_connector(tenant, kind=kind, name="Acct", settings={}, credentials={})
    url = "/api/v1/" + path.format(id=account.pk)
    data = {k: account.pk if v == "{id}" else v for k, v in (body or {}).items()}
    response = getattr(api, method)(url, data, format="json") if body is not None else api.get(url)
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "not_supported"
    assert error["message"] == f"Acct: {registry.label(kind)} has no {capability.label}."
    assert error["fields"] == {}
    assert (
        not Job.objects.unscoped().exists() and not ContactSyncSettings.objects.unscoped().exists()
    )


def test_the_table_covers_every_bare_action():
    assert len([p for p in LACKING if p.values[0] == "bare"]) == len(API_ACTIONS)


@pytest.mark.parametrize("kind", [*KINDS, "bare"])
def test_the_api_shows_the_capabilities(api, tenant, bare_kind, kind):
    account = make_connector(tenant, kind=kind, name="Acct", settings={}, credentials={})
    body = api.get(f"/api/v1/connectors/{account.pk}/").json()
    assert body["capabilities"] == [c.value for c in Capability if provider_of(kind).can(c)]


# --- the pages: hidden or refused with a message ---------------------------------------------------


def test_sync_now_page_refuses_a_kind_without_contacts(member_client, tenant, bare_kind):
    account = make_connector(tenant, kind=bare_kind, name="Bare", settings={}, credentials={})
    response = member_client.post(reverse("contacts:sync_now", args=[account.pk]))
    assert response.status_code == 302
    assert messages_of(response) == ["Bare CRM has no contact import."]
    assert not Job.objects.unscoped().exists()


def test_call_sync_settings_page_refuses_a_kind_without_call_log(member_client, tenant, bare_kind):
    account = make_connector(tenant, kind=bare_kind, name="Bare", settings={}, credentials={})
    response = member_client.get(reverse("calls:connector_settings", args=[account.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("calls:settings")
    assert messages_of(response) == ["Bare CRM has no call logging."]


def test_automation_forms_offer_only_capable_connectors(member_client, tenant, bare_kind):
    make_connector(tenant, kind=bare_kind, name="Bare", settings={}, credentials={})
    sf = make_connector(tenant, name="Sales org")
    for name in ("automations:trigger_new", "automations:profile_new"):
        html = member_client.get(reverse(name)).content.decode()
        assert f'value="{sf.pk}"' in html and "Bare" not in html


def test_integrations_cards_list_the_capabilities(member_client):
    html = member_client.get(reverse("connectors:index")).content.decode()
    assert "Can: contact import, import totals, user list, queues, call logging, tickets, " in html
    assert "live call events, click-to-call" in html  # retailCRM


def test_match_users_page_refuses_a_kind_without_users(member_client, tenant, bare_kind):
    account = make_connector(tenant, kind=bare_kind, name="Bare", settings={}, credentials={})
    response = member_client.post(reverse("contacts:match_users", args=[account.pk]))
    assert response.status_code == 302
    assert messages_of(response) == ["Bare CRM has no user list."]
