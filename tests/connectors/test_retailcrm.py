"""retailCRM connector against its simulator over real HTTP."""

from datetime import UTC, datetime, timedelta

import pytest
import retailcrm
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from connectors import services
from connectors.errors import AuthError, ConnectorError
from connectors.models import ConnectorAccount, ConnectorAuditEntry, ConnectorStatus
from connectors.types import CallLog, TicketRequest
from contacts.models import UserMapping
from portal import http
from simulators.retailcrm import API_KEY, RetailCRMSimulator
from tests.factories import make_connector


@pytest.fixture(scope="module")
def running_sim():
    simulator = RetailCRMSimulator().start()
    yield simulator
    http.default_session().close()  # drop keep-alive connections so the server stops at once
    simulator.stop()


@pytest.fixture
def sim(running_sim):
    running_sim.seed()
    running_sim.faults.clear()
    running_sim.requests.clear()
    return running_sim


@pytest.fixture
def account(tenant, sim):
    settings, credentials = RetailCRMSimulator.demo_account(sim.url)
    account = make_connector(tenant, kind="retailcrm", settings=settings, credentials=credentials)
    UserMapping.objects.create(
        tenant=tenant,
        connector=account,
        agent_id="jdoe",
        agent_email="j.doe@acme.com",
        crm_user_id="8",
    )
    return account


@pytest.fixture
def retail(account):
    connector = account.connector
    connector.authorize()
    return connector


def call(key="acme:c1:a1", **kw) -> CallLog:
    values = dict(
        key=key,
        direction="in",
        phone="+420773794804",
        started_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
        ended_at=datetime(2026, 11, 20, 9, 1, 35, tzinfo=UTC),
        duration_seconds=95,
        subject="Inbound call",
        owner_crm_id="8",
    )
    return CallLog(**{**values, **kw})


def test_authorize_registers_the_telephony_module(account, sim, settings):
    settings.PUBLIC_URL = "https://portal.example"
    info = account.connector.authorize()
    account.refresh_from_db()
    assert account.status == ConnectorStatus.AUTHORIZED
    assert account.token["access_token"] and account.connector.test_connection()["methods"] > 0
    module = sim.modules["ccportal"]
    telephony = module["integrations"]["telephony"]
    assert (
        telephony["makeCallUrl"]
        == f"https://portal.example/api/v1/retailcrm/{account.pk}/make-call/"
    )
    assert info["make_call_url"] == telephony["makeCallUrl"]
    assert telephony["inputEventSupported"] and telephony["hangupEventSupported"]
    assert telephony["additionalCodes"] == [{"userId": 8, "code": "jdoe"}]
    assert module["clientId"] == account.credentials["module_client_id"]
    assert len(module["clientId"]) >= 40 and module["active"] is True
    assert account.secret_flags() == {"api_key_set": True, "click_to_call_token_set": False}


def test_reauthorize_keeps_the_client_id(retail, account, sim):
    first = sim.modules["ccportal"]["clientId"]
    account.refresh_from_db()
    account.connector.authorize()
    assert sim.modules["ccportal"]["clientId"] == first


def test_bad_api_key_is_auth_error(tenant, sim):
    settings, _ = RetailCRMSimulator.demo_account(sim.url)
    account = make_connector(
        tenant, kind="retailcrm", settings=settings, credentials={"api_key": "wrong"}
    )
    with pytest.raises(AuthError) as exc:
        account.connector.authorize()
    assert exc.value.status == 403 and 'Wrong "apiKey" value.' in str(exc.value)
    assert sim.modules == {}


def test_key_revoked_later_marks_needs_reauth(retail, account):
    account.credentials = {**account.credentials, "api_key": "revoked"}
    account.save()
    with pytest.raises(AuthError):
        account.connector.list_users()
    account.refresh_from_db()
    assert account.status == ConnectorStatus.NEEDS_REAUTH


def test_send_call_event_ringing(retail, sim):
    event = {
        "type": "ringing",
        "direction": "in",
        "caller": "+420773794804",
        "callee": "+420226211245",
        "agent_id": "",
        "agent_email": "J.Doe@acme.com",
        "call_id": "1WS.58184",
    }
    assert retail.send_call_event(event) is True
    assert sim.events == [
        {
            "phone": "+420773794804",
            "type": "in",
            "externalPhone": "+420226211245",
            "callExternalId": "1WS.58184",
            "codes": ["jdoe"],
            "userIds": [8],
        }
    ]


def test_send_call_event_outbound_and_hangup(retail, sim):
    retail.send_call_event(
        {
            "type": "ringing",
            "direction": "out",
            "caller": "+420226211245",
            "callee": "+420773794804",
            "agent_id": "jdoe",
            "call_id": "c2",
        }
    )
    retail.send_call_event(
        {
            "type": "ended",
            "status": "missed",
            "direction": "in",
            "caller": "+420773794804",
            "call_id": "c3",
        }
    )
    assert retail.send_call_event({"type": "answered", "direction": "in", "caller": "1"}) is False
    out, hangup = sim.events
    assert (out["type"], out["phone"], out["externalPhone"]) == (
        "out",
        "+420773794804",
        "+420226211245",
    )
    assert hangup["type"] == "hangup" and hangup["hangupStatus"] == "no answer"
    assert "codes" not in hangup


def test_call_event_needs_registered_module(account, sim):
    with pytest.raises(ConnectorError) as exc:
        account.connector.send_call_event(
            {"type": "ringing", "direction": "in", "caller": "+420773794804"}
        )
    assert exc.value.permanent and "not active" in str(exc.value)


def test_log_calls_uploads_missed_too_and_is_idempotent(retail, sim, tenant):
    calls = [call(), call("acme:c2:a1", status="missed", duration_seconds=0, direction="out")]
    results = retail.log_calls(calls)
    assert all(r.ok for r in results) and [r.crm_id for r in results] == [
        "acme:c1:a1",
        "acme:c2:a1",
    ]
    answered, missed = sim.calls["acme:c1:a1"], sim.calls["acme:c2:a1"]
    # 09:00 UTC is 10:00 in the tenant's Europe/Prague
    assert answered == {
        "date": "2026-11-20 10:00:00",
        "type": "in",
        "phone": "+420773794804",
        "result": "answered",
        "duration": 95,
        "externalId": "acme:c1:a1",
        "userId": 8,
        "code": "jdoe",
    }
    assert missed["result"] == "no answer" and missed["type"] == "out"
    again = retail.log_calls(
        calls + [call("acme:c3:a1", recording_url="https://rec.example/3.mp3")]
    )
    assert all(r.ok for r in again)
    assert (
        len(sim.calls) == 3 and sim.calls["acme:c3:a1"]["recordUrl"] == "https://rec.example/3.mp3"
    )
    assert sum(1 for _m, p in sim.requests if p.endswith("/calls/upload")) == 2


def test_log_calls_one_bad_call_does_not_sink_the_batch(retail, sim):
    results = retail.log_calls([call("good-1"), call("bad", phone=""), call("good-2")])
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].permanent and "phone" in results[1].error
    assert set(sim.calls) == {"good-1", "good-2"}


def test_iter_contacts_full_pages(retail, sim):
    for i in range(200, 305):  # 117 customers -> two pages of 100
        sim.customers[i] = {**sim.customers[101], "id": i, "phones": []}
    pages = list(retail.iter_contacts())
    assert [len(p) for p in pages] == [100, 17]
    jana = pages[0][0]
    assert (jana.crm_id, jana.first_name, jana.phones) == ("101", "Jana", ["+420 773 794 804"])
    assert jana.fields["customFields.segment"] == "VIP" and jana.owner_crm_id == "7"
    assert jana.url == f"{sim.url}/customers/101"


def test_iter_contacts_incremental_uses_history(retail, sim):
    since = datetime.now(UTC)
    sim.update_customer(103, email="eva.new@example.com")
    sim.delete_customer(105)
    pages = list(retail.iter_contacts(since))
    flat = [c for p in pages for c in p]
    assert [(c.crm_id, c.deleted) for c in flat] == [("105", True), ("103", False)]
    assert flat[1].email == "eva.new@example.com"
    # modified_at is the change time (moves the sync's high-water mark), not the creation date
    assert all(c.modified_at >= since.replace(microsecond=0) for c in flat)
    assert list(retail.iter_contacts(datetime.now(UTC) + timedelta(minutes=1))) == []


def test_count_contacts(retail):
    assert retail.count_contacts() == 12
    assert retail.count_contacts(datetime.now(UTC)) is None


def test_iter_contact_ids(retail):
    ids = [i for p in retail.iter_contact_ids() for i in p]
    assert ids == [str(i) for i in range(101, 113)]


@pytest.mark.parametrize(
    "phone,last_name",
    [
        ("+420773794804", "Novakova"),
        ("+420603123456", "Svoboda"),
        ("+420226211245", "Dvorakova"),
        ("+420222333444", "Cerny"),
        ("+79991234567", "Ivanova"),
    ],
)
def test_find_contacts_by_phone(retail, phone, last_name):
    assert [c.last_name for c in retail.find_contacts_by_phone(phone)] == [last_name]


def test_find_contacts_by_phone_none(retail):
    assert retail.find_contacts_by_phone("+420999999999") == []
    assert retail.find_contacts_by_phone("123") == []


def test_users_fields_queues(retail):
    users = retail.list_users()
    assert {u.email for u in users} == {
        "ivan.petrov@shop.example",
        "j.doe@acme.example",
        "alice.smith@acme.example",
    }
    assert next(u for u in users if u.crm_id == "8").name == "John Doe"
    names = {f.name for f in retail.describe_fields()}
    assert {"firstName", "phones", "customFields.segment", "customFields.loyalty_level"} <= names
    assert "customFields.order_note" not in names
    assert retail.list_queues() == []


def test_create_ticket_is_a_task_and_idempotent(retail, sim):
    ticket = TicketRequest(
        key="acme:t1",
        subject="Missed call from +420773794804",
        description="Call back",
        contact_crm_id="101",
        owner_crm_id="8",
    )
    first, second = retail.create_ticket(ticket), retail.create_ticket(ticket)
    assert first.ok and first.crm_id == second.crm_id and len(sim.tasks) == 1
    task = sim.tasks[int(first.crm_id)]
    assert task["performerId"] == 8 and task["customer"] == {"id": 101}
    assert "[ref acme:t1]" in task["commentary"]
    assert first.url == f"{sim.url}/tasks/{first.crm_id}"


def test_create_ticket_without_performer_is_permanent_error(retail, sim):
    result = retail.create_ticket(TicketRequest(key="k", subject="s", description=""))
    assert not result.ok and result.permanent and sim.tasks == {}


def test_server_error_is_transient(retail, sim):
    sim.fail_next(status=500, body={"success": False, "errorMsg": "Internal error"})
    with pytest.raises(ConnectorError) as exc:
        retail.list_users()
    assert not exc.value.permanent


def test_upload_5xx_reports_transient_results(retail, sim):
    sim.fail_next(status=500, path="/calls/upload")
    results = retail.log_calls([call(), call("acme:c2")])
    assert all(not r.ok and not r.permanent for r in results) and sim.calls == {}


def test_malformed_json(retail, sim):
    sim.fail_next(status=200, raw=b"{not json", path="/users")
    with pytest.raises(ConnectorError) as exc:
        retail.list_users()
    assert not exc.value.permanent and "Malformed JSON" in str(exc.value)


def test_timeout(retail, sim, settings):
    settings.HTTP_TIMEOUT_READ = 0.3
    settings.HTTP_RETRIES = 0
    sim.fail_next(delay=1.0, path="/users")
    with pytest.raises(ConnectorError) as exc:
        retail.list_users()
    assert not exc.value.permanent and "timed out" in str(exc.value)


def test_seed_demo(tenant, sim):
    RetailCRMSimulator.seed_demo(tenant, sim.url)
    RetailCRMSimulator.seed_demo(tenant, sim.url)

    accounts = ConnectorAccount.objects.for_tenant(tenant).filter(kind="retailcrm")
    assert accounts.count() == 1
    assert accounts[0].connector.authorize()["module"] == "ccportal"


def test_portal_authorize_and_test_actions(account, sim):
    """The Integrations page's Authorize / Test connection buttons work for an API-key CRM."""

    assert services.authorize_account(account, actor="admin").ok
    account.refresh_from_db()
    assert services.test_account(account).ok


def test_api_authorize_reports_bad_key(api, tenant, sim):
    settings, _ = RetailCRMSimulator.demo_account(sim.url)
    account = make_connector(
        tenant, kind="retailcrm", settings=settings, credentials={"api_key": "no"}
    )
    response = api.post(f"/api/v1/connectors/{account.pk}/authorize/")
    assert response.status_code == 400
    assert "apiKey" in response.json()["error"]["message"]


def test_configure_page_shows_the_guide(member_client, account):
    response = member_client.get(reverse("connectors:configure", kwargs={"pk": account.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    assert f"/api/v1/retailcrm/{account.pk}/make-call/" in html and "API access keys" in html
    assert "Click-to-call URL" in html


# --- Disconnect: the module is switched off in retailCRM -----------------------------------------


def last_audit(account) -> ConnectorAuditEntry:
    return ConnectorAuditEntry.objects.unscoped().filter(connector=account).latest("id")


def test_disconnect_switches_the_module_off(account, sim, settings):
    settings.PUBLIC_URL = "https://portal.example"
    assert services.authorize_account(account, actor="admin").ok
    registered = dict(sim.modules["ccportal"])
    account.refresh_from_db()

    result = services.disconnect_account(account, actor="admin")

    assert result.ok and not result.warning
    assert result.message == (
        f"{account.name} is disconnected: the integration module ccportal was switched off in "
        "retailCRM and its token was dropped."
    )
    module = sim.modules["ccportal"]
    assert module["active"] is False
    # Same document as Authorize registered, only the flag differs (the edit endpoint needs
    # code, integrationCode and clientId; an inactive module keeps them for the next Authorize).
    assert {**module, "active": True} == registered
    assert sim.requests[-1] == ("POST", "/api/v5/integration-modules/ccportal/edit")
    # What retailCRM reports, read with the official client library
    lib = retailcrm.v5(sim.url, API_KEY)
    read = lib.integration_module("ccportal").get_response()["integrationModule"]
    assert read["active"] is False and read["clientId"] == account.credentials["module_client_id"]
    refused = lib.telephony_call_event({"phone": "+420773794804", "type": "in", "codes": ["jdoe"]})
    assert refused.get_status_code() == 400 and "not active" in refused.get_error_msg()

    account.refresh_from_db()
    assert account.status == ConnectorStatus.UNCONFIGURED and account.token == {}
    assert account.disconnected and account.authorized_at is None
    assert account.credentials["module_client_id"] == registered["clientId"]  # kept
    entry = last_audit(account)
    assert entry.action == "disconnected"
    assert entry.changes == {"crm": "the integration module ccportal was switched off in retailCRM"}


def test_after_disconnect_retailcrm_refuses_events_and_uploads(account, sim):
    connector = account.connector
    connector.authorize()
    services.disconnect_account(account, actor="admin")
    with pytest.raises(ConnectorError) as exc:
        connector.send_call_event({"type": "ringing", "direction": "in", "caller": "+420773794804"})
    assert exc.value.permanent and "not active" in str(exc.value)
    results = connector.log_calls([call()])
    assert not results[0].ok and results[0].permanent and "not active" in results[0].error
    assert sim.events == [] and sim.calls == {}
    with pytest.raises(LookupError):  # retailCRM offers no click-to-call for it any more
        sim.click_to_call("+420773794804", user_id=8, code="jdoe")


def test_authorize_again_switches_the_module_back_on(account, sim):
    assert services.authorize_account(account, actor="admin").ok
    client_id = sim.modules["ccportal"]["clientId"]
    account.refresh_from_db()
    services.disconnect_account(account, actor="admin")
    assert sim.modules["ccportal"]["active"] is False

    account.refresh_from_db()
    assert services.authorize_account(account, actor="admin").ok

    account.refresh_from_db()
    assert account.status == ConnectorStatus.AUTHORIZED and not account.disconnected
    assert "disconnected_at" not in account.state
    module = sim.modules["ccportal"]
    assert module["active"] is True and module["clientId"] == client_id
    lib = retailcrm.v5(sim.url, API_KEY)
    assert lib.integration_module("ccportal").get_response()["integrationModule"]["active"]
    assert account.connector.send_call_event(
        {"type": "ringing", "direction": "in", "caller": "+420773794804", "agent_id": "jdoe"}
    )
    assert sim.events[-1]["codes"] == ["jdoe"]


def test_disconnect_still_happens_when_retailcrm_fails(account, sim):
    account.connector.authorize()
    account.refresh_from_db()
    sim.fail_next(status=500, path="/integration-modules/", body={"success": False})

    result = services.disconnect_account(account, actor="admin")

    assert result.ok and result.warning and result.code == "crm_not_updated"
    assert result.message.startswith(
        f"{account.name} is disconnected here, but retailCRM could not be told: HTTP 500 from "
    )
    assert result.hint == (
        "Switch the module off in retailCRM under Administration > Integration, "
        "or Authorize and Disconnect again."
    )
    assert sim.modules["ccportal"]["active"] is True  # retailCRM never heard of it
    account.refresh_from_db()
    assert account.status == ConnectorStatus.UNCONFIGURED and account.token == {}
    assert account.disconnected
    entry = last_audit(account)
    assert entry.action == "disconnected" and "HTTP 500" in entry.changes["error"]


def test_disconnect_with_a_revoked_key_does_not_ask_for_reauthorization(account, sim, tenant):
    account.connector.authorize()
    account.refresh_from_db()
    account.credentials = {**account.credentials, "api_key": "revoked"}
    account.save()
    mail.outbox.clear()

    result = services.disconnect_account(account, actor="admin")

    assert result.warning and 'Wrong "apiKey" value.' in result.message
    account.refresh_from_db()
    assert account.status == ConnectorStatus.UNCONFIGURED  # not needs_reauth: it is disconnected
    assert mail.outbox == []
    assert sim.modules["ccportal"]["active"] is True


def test_disconnect_before_any_authorize_sends_nothing(account, sim):
    result = services.disconnect_account(account, actor="admin")
    assert result.ok and not result.warning
    assert result.message == f"{account.name} is disconnected: its token was dropped."
    assert sim.requests == [] and sim.modules == {}
    assert last_audit(account).changes == {}


def post_disconnect(client, account) -> list:
    response = client.post(
        reverse("connectors:disconnect", args=[account.pk]), {"confirmed": "yes"}
    )
    assert response.status_code == 302
    account.refresh_from_db()
    return list(get_messages(response.wsgi_request))


def test_disconnect_button_switches_the_module_off(member_client, account, sim):
    account.connector.authorize()
    msgs = post_disconnect(member_client, account)
    assert [m.level_tag for m in msgs] == ["success"]
    assert "integration module ccportal was switched off in retailCRM" in str(msgs[0])
    assert sim.modules["ccportal"]["active"] is False
    assert account.status == ConnectorStatus.UNCONFIGURED
    html = member_client.get(reverse("connectors:audit", args=[account.pk])).content.decode()
    assert "CRM: the integration module ccportal was switched off in retailCRM" in html


def test_disconnect_button_warns_when_retailcrm_fails(member_client, account, sim, settings):
    settings.HTTP_RETRIES = 0
    account.connector.authorize()
    sim.fail_next(status=503, path="/integration-modules/")
    msgs = post_disconnect(member_client, account)
    assert [m.level_tag for m in msgs] == ["warning"]
    text = str(msgs[0])
    assert "is disconnected here, but retailCRM could not be told: " in text and "503" in text
    assert text.endswith(
        "Switch the module off in retailCRM under Administration > Integration, "
        "or Authorize and Disconnect again."
    )
    assert account.status == ConnectorStatus.UNCONFIGURED and account.token == {}
    page = member_client.get(reverse("connectors:configure", args=[account.pk]))
    assert page.status_code == 200
    html = member_client.get(reverse("connectors:audit", args=[account.pk])).content.decode()
    assert "Error: HTTP 503 from " in html
