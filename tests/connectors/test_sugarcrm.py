"""SugarCRM connector against its simulator over real HTTP."""

import time
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from connectors import services
from connectors.errors import AuthError, ConnectorError
from connectors.models import ConnectorAccount, ConnectorStatus
from connectors.sugarcrm import connector as module
from connectors.sugarcrm.client import SugarClient
from connectors.sugarcrm.forms import SugarCRMForm
from connectors.types import CallLog, TicketRequest
from portal import http
from simulators.sugarcrm import PASSWORD, USERNAME, SugarCRMSimulator
from tests.factories import make_connector


@pytest.fixture(scope="module")
def running_sim():
    simulator = SugarCRMSimulator().start()
    yield simulator
    http.default_session().close()  # drop keep-alive connections so the server stops at once
    simulator.stop()


@pytest.fixture
def sim(running_sim):
    """One server per module (stopping one costs ~0.5 s); fresh data for every test."""
    running_sim.seed()
    running_sim.faults.clear()
    running_sim.requests.clear()
    return running_sim


@pytest.fixture
def account(tenant, sim):
    settings, credentials = SugarCRMSimulator.demo_account(sim.url)
    return make_connector(tenant, kind="sugarcrm", settings=settings, credentials=credentials)


@pytest.fixture
def sugar(account):
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
        subject="Inbound call +420773794804",
    )
    return CallLog(**{**values, **kw})


def test_authorize_password_grant_and_me(account, sim):
    info = account.connector.authorize()
    account.refresh_from_db()
    assert account.status == ConnectorStatus.AUTHORIZED
    assert info["user"] == USERNAME
    token = account.token
    assert token["refresh_token"] and token["expires_at"] > time.time() + 3000
    body = next(r for m, r in sim.requests if r.endswith("/oauth2/token"))
    assert body  # the token endpoint was really called


def test_bad_password_is_permanent_auth_error(tenant, sim):
    settings, _ = SugarCRMSimulator.demo_account(sim.url)
    account = make_connector(
        tenant, kind="sugarcrm", settings=settings, credentials={"password": "nope"}
    )
    with pytest.raises(AuthError) as exc:
        account.connector.authorize()
    assert exc.value.permanent and "incorrect" in str(exc.value)
    account.refresh_from_db()
    assert account.status != ConnectorStatus.AUTHORIZED


def test_expired_token_refreshes_once_and_retries(sugar, sim, account):
    before = account.token["access_token"]
    logins = sim.logins
    sim.expire_tokens()
    assert sugar.test_connection()["user"] == USERNAME
    account.refresh_from_db()
    assert account.token["access_token"] != before
    assert sim.logins == logins  # renewed with the refresh token, not the password


def test_token_near_expiry_is_refreshed_before_the_call(sugar, sim, account):
    account.token = {**account.token, "expires_at": time.time() + 10}
    account.save()
    sugar.list_users()
    paths = [p for _m, p in sim.requests]
    assert paths[-2].endswith("/oauth2/token") and "/Users/filter" in paths[-1]


def test_dead_refresh_token_falls_back_to_password_login(sugar, sim, account):
    sim.refresh_tokens.clear()
    sim.expire_tokens()
    logins = sim.logins
    sugar.test_connection()
    assert sim.logins == logins + 1


def test_second_login_on_same_platform_logs_first_out(sugar, sim, account):
    old = account.token["access_token"]
    other = SugarCRMSimulator.demo_account(sim.url)

    SugarClient(other[0]["instance_url"]).password_grant(USERNAME, PASSWORD, "ccportal")
    assert old not in sim.sessions
    # Our connector notices the 401, refreshes (its refresh token died too) and logs in again.
    assert sugar.test_connection()["user"] == USERNAME


def test_password_changed_marks_needs_reauth(sugar, sim, account):
    sim.refresh_tokens.clear()
    sim.expire_tokens()
    account.credentials = {"password": "changed"}
    account.save()
    with pytest.raises(AuthError):
        sugar.test_connection()
    account.refresh_from_db()
    assert account.status == ConnectorStatus.NEEDS_REAUTH


def test_describe_fields(sugar):
    fields = {f.name: f for f in sugar.describe_fields("Contact")}
    assert fields["phone_mobile"].type == "phone"
    assert fields["customer_segment_c"].label == "Customer segment"
    assert not fields["id"].createable


def test_iter_contacts_pages_and_incremental(sugar):
    sugar.page_size = 5
    pages = list(sugar.iter_contacts())
    assert [len(p) for p in pages] == [5, 5, 2]
    jana = next(c for p in pages for c in p if c.last_name == "Novakova")
    assert jana.phones == ["+420 773 794 804"]
    assert jana.email == "jana.novakova@example.com"
    assert jana.url.endswith(f"/#Contacts/{jana.crm_id}")
    assert jana.owner_crm_id and jana.modified_at.year == 2026
    recent = [c for p in sugar.iter_contacts(datetime(2026, 11, 10, tzinfo=UTC)) for c in p]
    assert {c.last_name for c in recent} == {"Chen", "Schmidt", "Horakova"}
    assert all(c.modified_at > datetime(2026, 11, 10, tzinfo=UTC) for c in recent)


def test_paging_never_skips_when_records_change_during_the_run(sugar, sim):
    """A contact edited, created or deleted mid-run must not make another one vanish."""
    sugar.page_size = 5
    pages = sugar.iter_contacts()
    seen = [c.crm_id for c in next(pages)]
    contacts = sim.records["Contacts"]
    first = contacts[seen[0]]
    first["date_modified"] = "2026-12-31T00:00:00+00:00"  # edited: moves in a date ordering
    contacts["00000000-new"] = {**first, "id": "00000000-new"}  # sorts before the cursor
    contacts[seen[1]]["deleted"] = True  # gone before the cursor
    seen += [c.crm_id for page in pages for c in page]
    others = set(contacts) - {seen[1], "00000000-new"}
    assert others <= set(seen) and len(seen) == len(set(seen))


def test_iter_contacts_extra_fields_and_ids(sugar):
    contact = next(iter(sugar.iter_contacts(fields=["customer_segment_c"])))[0]
    assert "customer_segment_c" in contact.fields
    ids = [i for page in sugar.iter_contact_ids() for i in page]
    assert len(ids) == 12 == len(set(ids))


@pytest.mark.parametrize(
    "phone,last_name",
    [
        ("+420773794804", "Novakova"),
        ("773794804", "Novakova"),
        ("+420226211245", "Dvorakova"),
        ("+420603123456", "Svoboda"),
        ("+14155550132", "Miller"),
        ("+358401234567", "Virtanen"),
    ],
)
def test_find_contacts_by_phone_any_format(sugar, phone, last_name):
    found = sugar.find_contacts_by_phone(phone)
    assert [c.last_name for c in found] == [last_name]


def test_find_contacts_by_phone_no_match(sugar):
    assert sugar.find_contacts_by_phone("+420999888777") == []
    assert sugar.find_contacts_by_phone("12") == []


def test_list_users_active_only(sugar):
    users = {u.email.lower(): u for u in sugar.list_users()}
    assert "j.doe@acme.example" in users and "old.timer@acme.example" not in users
    assert users["j.doe@acme.example"].name == "John Doe"
    assert sugar.list_queues() == []


def test_log_calls_bulk_and_idempotent(sugar, sim):
    owner = sugar.list_users()[0].crm_id
    contact = sugar.find_contacts_by_phone("+420773794804")[0].crm_id
    calls = [
        call(owner_crm_id=owner, contact_crm_id=contact),
        call("acme:c2:a1", direction="out", status="missed", duration_seconds=0),
    ]
    results = sugar.log_calls(calls)
    assert all(r.ok for r in results) and len({r.crm_id for r in results}) == 2
    assert sum(1 for _m, p in sim.requests if p.endswith("/bulk")) == 1
    first = sim.records["Calls"][results[0].crm_id]
    assert first["direction"] == "Inbound" and first["status"] == "Held"
    assert (first["duration_hours"], first["duration_minutes"]) == (0, 2)
    assert first["parent_type"] == "Contacts" and first["parent_id"] == contact
    assert first["assigned_user_id"] == owner and first["cc_call_key_c"] == "acme:c1:a1"
    missed = sim.records["Calls"][results[1].crm_id]
    assert missed["status"] == "Not Held" and missed["direction"] == "Outbound"
    again = sugar.log_calls(calls + [call("acme:c3:a1")])
    assert [r.crm_id for r in again[:2]] == [r.crm_id for r in results]
    assert len(sim.records["Calls"]) == 3
    assert results[0].url.endswith(f"/#Calls/{results[0].crm_id}")


def test_log_calls_item_error_is_reported_per_call(sugar, sim, monkeypatch):

    real = module.call_record

    def broken_for_one(c, key_field):
        record = real(c, key_field)
        return {**record, "no_such_field": 1} if c.key == "acme:bad" else record

    monkeypatch.setattr(module, "call_record", broken_for_one)
    results = sugar.log_calls([call("acme:ok", subject=""), call("acme:bad")])
    assert results[0].ok and sim.records["Calls"][results[0].crm_id]["name"].startswith("Call ")
    assert not results[1].ok and results[1].permanent and "no_such_field" in results[1].error
    assert len(sim.records["Calls"]) == 1


def test_create_ticket_idempotent(sugar, sim):
    ticket = TicketRequest(key="acme:t1", subject="Missed call from +420773794804", description="d")
    first = sugar.create_ticket(ticket)
    second = sugar.create_ticket(ticket)
    assert first.ok and first.crm_id == second.crm_id
    assert len(sim.records["Cases"]) == 1
    assert sim.records["Cases"][first.crm_id]["cc_case_key_c"] == "acme:t1"
    assert first.url.endswith(f"/#Cases/{first.crm_id}")


def test_server_error_is_transient(sugar, sim):
    sim.fail_next(status=500, body={"error": "fatal_error", "error_message": "boom"})
    with pytest.raises(ConnectorError) as exc:
        sugar.list_users()
    assert not exc.value.permanent and exc.value.status == 500


def test_503_is_retried_inline(sugar, sim):
    sim.fail_next(status=503, path="/Users/filter")
    assert sugar.list_users()


def test_malformed_json_is_transient(sugar, sim):
    sim.fail_next(status=200, raw=b"<html>maintenance</html>", path="/me")
    with pytest.raises(ConnectorError) as exc:
        sugar.test_connection()
    assert not exc.value.permanent and "Malformed JSON" in str(exc.value)


def test_timeout_is_transient(sugar, sim, settings):
    settings.HTTP_TIMEOUT_READ = 0.3
    settings.HTTP_RETRIES = 0
    sim.fail_next(delay=1.0, path="/me")
    with pytest.raises(ConnectorError) as exc:
        sugar.test_connection()
    assert not exc.value.permanent and "timed out" in str(exc.value)


def test_key_field_missing_in_sugar_is_a_clear_permanent_error(sugar, account):
    account.settings = {**account.settings, "case_key_field": "missing_key_c"}
    account.save()
    with pytest.raises(ConnectorError) as exc:
        sugar.create_ticket(TicketRequest(key="k", subject="s", description=""))
    assert exc.value.permanent and "missing_key_c" in str(exc.value)


def test_key_field_names_are_settings(tenant, sim):

    form = SugarCRMForm(data={"instance_url": sim.url, "username": "u", "password": "p"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["call_key_field"] == "cc_call_key_c"
    bad = SugarCRMForm(
        data={
            "instance_url": sim.url,
            "username": "u",
            "password": "p",
            "call_key_field": "no custom suffix",
        }
    )
    assert not bad.is_valid() and "call_key_field" in bad.errors


def test_record_url(account):
    assert (
        account.connector.record_url("Contact", "abc")
        == f"{account.settings['instance_url']}/#Contacts/abc"
    )


def test_seed_demo_creates_account_once(tenant, sim):
    SugarCRMSimulator.seed_demo(tenant, sim.url)
    SugarCRMSimulator.seed_demo(tenant, sim.url)

    accounts = ConnectorAccount.objects.for_tenant(tenant).filter(kind="sugarcrm")
    assert accounts.count() == 1
    assert accounts[0].connector.authorize()["user"] == USERNAME


def test_count_contacts(sugar):
    assert sugar.count_contacts() == 12
    assert sugar.count_contacts(datetime(2026, 11, 10, tzinfo=UTC)) == 3


def test_portal_authorize_and_test_actions(account, sim):

    assert services.authorize_account(account, actor="admin").ok
    account.refresh_from_db()
    assert services.test_account(account).ok


def test_api_authorize_reports_bad_password(api, tenant, sim):
    settings, _ = SugarCRMSimulator.demo_account(sim.url)
    account = make_connector(
        tenant, kind="sugarcrm", settings=settings, credentials={"password": "no"}
    )
    response = api.post(f"/api/v1/connectors/{account.pk}/authorize/")
    assert response.status_code == 400
    assert "incorrect" in response.json()["error"]["message"]


def test_configure_page_shows_the_guide(member_client, account):
    response = member_client.get(reverse("connectors:configure", kwargs={"pk": account.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Configure API Platforms" in html and "cc_call_key_c" in html
