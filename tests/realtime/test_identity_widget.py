"""The widget on the one caller lookup (issue 13): Type and CRM columns, and "Create in <CRM>"
following each connector's unknown-caller rule, idempotent per (connector, number)."""

import pytest
from django.test import Client
from django.utils import timezone

from calls.models import CreatedCaller
from connectors.errors import ConnectorError
from connectors.salesforce.connector import SalesforceConnector
from contacts.models import Contact
from realtime.widget import sign_token
from tests.factories import authorized_salesforce, make_connector
from tests.realtime.helpers import connector_for, make_contact, make_widget_token
from tests.realtime.identity import FakeCreate, authorized, creating_provider, policy

URL = "/widget/activity/"
CREATE = "/widget/activity/create/"
UNKNOWN = "+420603000111"


@pytest.fixture
def sf(tenant):
    account = authorized(connector_for(tenant))
    policy(account, objects_order=["contact", "lead", "account"], live_lookup=False)
    return account


@pytest.fixture
def fake_create(monkeypatch):
    fake = FakeCreate()
    patch_create(monkeypatch, fake)
    return fake


def patch_create(monkeypatch, fake):
    monkeypatch.setattr(SalesforceConnector, "create_record", lambda self, r: fake(self, r))


def create(client, tenant, connector, clid=UNKNOWN, **extra):
    token = sign_token(make_widget_token(tenant))
    return client.post(CREATE, {"token": token, "clid": clid, "connector": connector.pk, **extra})


def test_rows_show_the_record_type_and_the_crm(client, admin_user, tenant, sf):
    make_contact(tenant, UNKNOWN, connector=sf, type="lead", first_name="Lena", last_name="Lead")
    client.force_login(admin_user)
    html = client.get(URL, {"clid": UNKNOWN}).content.decode()
    assert '<tr data-type="lead"' in html and '<span class="badge">Lead</span>' in html
    assert f'{sf.name}<span class="sub">Salesforce</span>' in html
    assert "Lena" in html and "Create" not in html


def test_create_button_follows_each_connectors_policy(client, admin_user, tenant, sf, monkeypatch):
    creating_provider(monkeypatch)
    policy(sf, unknown_caller="create_lead", live_lookup=False)
    quiet = authorized(make_connector(tenant, kind="salesforce", name="Quiet org"))
    policy(quiet, unknown_caller="log_unmatched", live_lookup=False)
    cannot = authorized(connector_for(tenant, kind="retailcrm", name="Shop"))
    policy(cannot, unknown_caller="create_lead", live_lookup=False)  # retailCRM has no leads
    client.force_login(admin_user)
    html = client.get(URL, {"clid": UNKNOWN}).content.decode()
    assert f"Create lead in {sf.name}" in html
    assert f'name="connector" value="{sf.pk}"' in html
    assert "Create contact in Quiet org" not in html and "Create lead in Quiet org" not in html
    assert f'value="{quiet.pk}"' not in html and f'value="{cannot.pk}"' not in html
    policy(sf, unknown_caller="create_contact")
    assert f"Create contact in {sf.name}" in client.get(URL, {"clid": UNKNOWN}).content.decode()
    policy(sf, unknown_caller="skip")
    assert "Create contact in" not in client.get(URL, {"clid": UNKNOWN}).content.decode()


def test_create_stores_and_shows_the_record_once(client, tenant, sf, monkeypatch, fake_create):
    creating_provider(monkeypatch)
    policy(sf, unknown_caller="create_lead", live_lookup=False)
    response = create(client, tenant, sf, callid="C1")
    html = response.content.decode()
    assert response.status_code == 200, html
    assert f"Created the lead in {sf.name}." in html and '<tr data-type="lead"' in html
    (record,) = fake_create.calls
    assert (record.type, record.phone) == ("lead", UNKNOWN)
    assert record.key == f"{tenant.pk}-{sf.pk}-{UNKNOWN}" and record.company
    stored = Contact.objects.for_tenant(tenant).get(connector=sf, crm_id="00QNEW00001")
    assert stored.type == "lead" and stored.phones == [UNKNOWN]
    again = create(client, tenant, sf, clid="603 000 111")  # a retry, another format
    assert "already has this caller" in again.content.decode()
    assert len(fake_create.calls) == 1
    assert (
        "00QNEW"
        in client.get(
            URL, {"clid": UNKNOWN, "token": sign_token(make_widget_token(tenant))}
        ).content.decode()
    )


def test_a_click_while_another_creates_waits_for_it(client, tenant, sf, monkeypatch, fake_create):
    creating_provider(monkeypatch)
    policy(sf, unknown_caller="create_contact", live_lookup=False)
    CreatedCaller.objects.create(  # the other click's claim, its CRM request in flight
        tenant=tenant, connector=sf, e164=UNKNOWN, type="contact", claimed_at=timezone.now()
    )
    response = create(client, tenant, sf)
    assert response.status_code == 400
    assert "reload the widget in a few seconds" in response.content.decode()
    assert fake_create.calls == []


def test_crm_error_says_what_to_do(client, tenant, sf, monkeypatch):
    creating_provider(monkeypatch)
    policy(sf, unknown_caller="create_contact", live_lookup=False)
    failing = FakeCreate(ConnectorError("REQUIRED_FIELD_MISSING: LastName", permanent=True))
    patch_create(monkeypatch, failing)
    response = create(client, tenant, sf)
    html = response.content.decode()
    assert response.status_code == 400 and "REQUIRED_FIELD_MISSING" in html
    assert 'id="widget-error"' in html and "Create contact in" in html  # the button stays


def test_a_connector_whose_rule_does_not_create_refuses(client, tenant, sf, fake_create):
    response = create(client, tenant, sf)
    assert response.status_code == 400
    assert "unknown-caller rule" in response.content.decode() and fake_create.calls == []


def test_foreign_connector_is_404(client, tenant, other_tenant, monkeypatch, fake_create):
    creating_provider(monkeypatch)
    theirs = authorized(connector_for(other_tenant))
    policy(theirs, unknown_caller="create_contact", live_lookup=False)
    assert create(client, tenant, theirs).status_code == 404
    assert fake_create.calls == []


def test_session_post_needs_csrf_token_post_does_not(
    tenant, admin_user, sf, monkeypatch, fake_create
):
    creating_provider(monkeypatch)
    policy(sf, unknown_caller="create_contact", live_lookup=False)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_user)
    refused = strict.post(CREATE, {"clid": UNKNOWN, "connector": sf.pk})
    assert refused.status_code == 403 and fake_create.calls == []
    assert create(strict, tenant, sf).status_code == 200 and len(fake_create.calls) == 1


def test_bad_token_cannot_create(client, sf, fake_create):
    response = client.post(CREATE, {"token": "forged", "clid": UNKNOWN, "connector": sf.pk})
    assert response.status_code == 403 and fake_create.calls == []


# --- over real HTTP (needs Salesforce create_record and CREATE_RECORDS: issue 13) -----------


@pytest.mark.simulator(contacts=5)
def test_create_lead_in_the_salesforce_simulator_once(client, tenant, salesforce_sim):
    sf = authorized_salesforce(tenant, salesforce_sim)
    policy(sf, objects_order=["contact", "lead"], unknown_caller="create_lead")
    first = create(client, tenant, sf)
    assert first.status_code == 200, first.content.decode()
    create(client, tenant, sf)
    writes = [p for m, p in salesforce_sim.requests if m in ("POST", "PATCH") and "Lead" in p]
    assert len(writes) == 1
    assert Contact.objects.for_tenant(tenant).get(connector=sf).type == "lead"
