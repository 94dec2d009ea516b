"""One contract every CRM connector keeps, run against each kind's simulator over real HTTP.

Every kind of `connectors/registry.py` must have an entry in CONTRACT (the last test fails
otherwise), so a new connector runs this suite as soon as it is registered: add its simulator
(`simulators/<kind>/`) and the few facts below (how to build an account, where the simulator
keeps calls and tickets, how to change a contact and revoke the credentials behind our back).

The per-CRM modules (test_salesforce_*, test_dynamics_*, test_sugarcrm, test_retailcrm) keep
the CRM-specific detail: error bodies, paging, field mapping, the web flow.
"""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from connectors.errors import AuthError, ConnectorError
from connectors.models import ConnectorStatus
from connectors.registry import PROVIDERS, connector_for
from connectors.types import CallLog, CrmContact, CrmUser, TicketRequest
from simulators.dynamics365 import Dynamics365Simulator
from simulators.dynamics365 import data as dynamics_data
from simulators.retailcrm import RetailCRMSimulator
from simulators.salesforce import SalesforceSimulator
from simulators.sugarcrm import SugarCRMSimulator
from tests.factories import make_connector

PHONE = "+420773794804"  # seeded in every simulator (Jana Novakova / Jiri Havicek)
UNKNOWN_PHONE = "+420999888777"
RENAMED = "Contract-Renamed"


@dataclass(frozen=True)
class Kind:
    """What the contract needs to know about one CRM and its simulator."""

    simulator: type
    account: Callable  # sim -> (settings, credentials) the simulator accepts
    calls: Callable  # sim -> the call records it stores (rows of dicts)
    tickets: Callable | None  # sim -> the ticket records it stores (None: no tickets)
    touch: Callable  # (sim, crm_id) -> the contact is renamed RENAMED, modified now
    revoke: Callable  # (sim, account) -> the CRM now refuses our credentials for good
    session: Callable = lambda sim: None  # sim -> a requests.Session for the connector


def _now_z() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _touch_sugar(sim, crm_id):
    sim.records["Contacts"][crm_id].update(
        last_name=RENAMED, date_modified=time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    )


def _revoke_salesforce(sim, account):
    sim.expire_tokens()
    sim.revoke_refresh_tokens()
    account.credentials = {**account.credentials, "security_token": "old"}
    account.save()


def _revoke_dynamics(sim, account):
    sim.apps[dynamics_data.CLIENT_ID] = (dynamics_data.TENANT_ID, "rotated-secret")
    sim.expire_tokens()


def _revoke_sugar(sim, account):
    sim.refresh_tokens.clear()
    sim.expire_tokens()
    account.credentials = {**account.credentials, "password": "changed"}
    account.save()


def _revoke_retail(sim, account):
    account.credentials = {**account.credentials, "api_key": "revoked"}
    account.save()


CONTRACT: dict[str, Kind] = {
    "salesforce": Kind(
        simulator=SalesforceSimulator,
        account=lambda sim: sim.account_settings(),
        calls=lambda sim: sim.store.records["Task"].values(),
        tickets=lambda sim: sim.store.records["Case"].values(),
        touch=lambda sim, crm_id: sim.update_contact(crm_id, LastName=RENAMED),
        revoke=_revoke_salesforce,
    ),
    "dynamics365": Kind(
        simulator=Dynamics365Simulator,
        account=lambda sim: (sim.account_settings(), sim.account_credentials()),
        calls=lambda sim: sim.tables["phonecalls"].values(),
        tickets=lambda sim: sim.tables["incidents"].values(),
        touch=lambda sim, crm_id: sim.tables["contacts"][crm_id].update(
            lastname=RENAMED, modifiedon=_now_z()
        ),
        revoke=_revoke_dynamics,
        session=lambda sim: sim.session(),  # HTTPS with the simulator's own CA
    ),
    "sugarcrm": Kind(
        simulator=SugarCRMSimulator,
        account=lambda sim: SugarCRMSimulator.demo_account(sim.url),
        calls=lambda sim: sim.records["Calls"].values(),
        tickets=lambda sim: sim.records["Cases"].values(),
        touch=_touch_sugar,
        revoke=_revoke_sugar,
    ),
    "retailcrm": Kind(
        simulator=RetailCRMSimulator,
        account=lambda sim: RetailCRMSimulator.demo_account(sim.url),
        calls=lambda sim: sim.calls.values(),
        tickets=lambda sim: sim.tasks.values(),  # a ticket is a retailCRM task
        touch=lambda sim, crm_id: sim.update_customer(int(crm_id), lastName=RENAMED),
        revoke=_revoke_retail,
    ),
}


def stored(rows: Iterable[dict]) -> int:
    """How many records the simulator holds (a retry must not add one)."""
    return len(list(rows))


@dataclass
class Crm:
    kind: str
    spec: Kind
    sim: object
    account: object
    connector: object


@pytest.fixture(params=sorted(CONTRACT))
def crm(request, tenant, start_simulator) -> Crm:
    """An authorized connector of each kind, pointed at a fresh simulator of that kind."""
    spec = CONTRACT[request.param]
    sim = start_simulator(spec.simulator)
    settings, credentials = spec.account(sim)
    account = make_connector(tenant, kind=request.param, settings=settings, credentials=credentials)
    connector = connector_for(account, session=spec.session(sim))
    connector.authorize()
    return Crm(request.param, spec, sim, account, connector)


def jana(crm) -> CrmContact:
    found = crm.connector.find_contacts_by_phone(PHONE)
    assert found, f"{crm.kind}: the seeded {PHONE} is not found"
    return found[0]


def call_log(key: str, **fields) -> CallLog:
    started = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    values = dict(
        key=key,
        direction="in",
        phone=PHONE,
        started_at=started,
        ended_at=started + timedelta(seconds=95),
        duration_seconds=95,
        subject=f"Inbound call {PHONE}",
        description="contract suite",
    )
    return CallLog(**{**values, **fields})


def test_authorize_marks_the_account_authorized_and_tests_the_connection(crm):
    crm.account.refresh_from_db()
    assert crm.account.status == ConnectorStatus.AUTHORIZED
    assert isinstance(crm.connector.test_connection(), dict)


def test_list_users(crm):
    users = crm.connector.list_users()
    assert users and all(isinstance(u, CrmUser) and u.crm_id for u in users)
    assert any(u.email for u in users)
    assert len({u.crm_id for u in users}) == len(users)


def test_fetch_contacts_full_then_incremental(crm):
    full = [c for page in crm.connector.iter_contacts() for c in page]
    assert full and all(isinstance(c, CrmContact) and c.crm_id for c in full)
    live = {c.crm_id for c in full if not c.deleted}
    target = jana(crm).crm_id
    assert target in live
    # Whole seconds on both sides of the mark: some CRMs stamp changes to the second.
    time.sleep(1.1)
    since = datetime.now(UTC).replace(microsecond=0)
    time.sleep(1.1)
    crm.spec.touch(crm.sim, target)
    changed = [c for page in crm.connector.iter_contacts(modified_since=since) for c in page]
    renamed = [c for c in changed if c.crm_id == target and not c.deleted]
    assert renamed and renamed[0].last_name == RENAMED
    assert len({c.crm_id for c in changed}) < len(live)  # only what changed, not everything


def test_find_contacts_by_phone(crm):
    found = crm.connector.find_contacts_by_phone(PHONE)
    assert found
    assert all(any(p and "".join(filter(str.isdigit, p)).endswith("773794804") for p in c.phones)
               for c in found)  # fmt: skip
    assert crm.connector.find_contacts_by_phone(UNKNOWN_PHONE) == []


def test_log_call_is_idempotent_on_retry(crm):
    contact = jana(crm)
    key = f"contract:{crm.kind}:call-1"
    before = stored(crm.spec.calls(crm.sim))
    first = crm.connector.log_calls([call_log(key, contact_crm_id=contact.crm_id)])
    assert [r.key for r in first] == [key] and first[0].ok, first
    again = crm.connector.log_calls([call_log(key, contact_crm_id=contact.crm_id)])
    assert again[0].ok and again[0].crm_id == first[0].crm_id
    assert stored(crm.spec.calls(crm.sim)) == before + 1  # one record for the key


def test_create_ticket_is_idempotent_on_retry(crm):
    if crm.spec.tickets is None:
        pytest.skip(f"{crm.kind} has no tickets")
    owner = crm.connector.list_users()[0].crm_id
    key = f"contract:{crm.kind}:ticket-1"
    ticket = TicketRequest(
        key=key,
        subject="Missed call from Jana",
        description="contract suite",
        contact_crm_id=jana(crm).crm_id,
        owner_crm_id=owner,
    )
    before = stored(crm.spec.tickets(crm.sim))
    first = crm.connector.create_ticket(ticket)
    assert first.ok and first.crm_id, first
    again = crm.connector.create_ticket(ticket)
    assert again.ok and again.crm_id == first.crm_id
    assert stored(crm.spec.tickets(crm.sim)) == before + 1  # one record for the key


def test_revoked_credentials_raise_auth_error_and_need_reauth(crm):
    crm.spec.revoke(crm.sim, crm.account)
    with pytest.raises(AuthError) as caught:
        crm.connector.list_users()
    assert caught.value.permanent
    crm.account.refresh_from_db()
    assert crm.account.status == ConnectorStatus.NEEDS_REAUTH


def test_server_error_is_transient(crm):
    crm.sim.fail_next(status=503, times=10)
    with pytest.raises(ConnectorError) as caught:
        crm.connector.list_users()
    assert not caught.value.permanent and not isinstance(caught.value, AuthError)
    crm.sim.faults.clear()
    assert crm.connector.list_users()  # the CRM is back: so is the connector


def test_rate_limit_is_transient_with_the_crms_retry_after(crm):
    crm.sim.rate_limit(retry_after=30)  # longer than HTTP_MAX_INLINE_RETRY_AFTER: not waited
    with pytest.raises(ConnectorError) as caught:
        crm.connector.list_users()
    assert not caught.value.permanent
    assert caught.value.retry_after == 30
    crm.sim.rate_limit(None)
    assert crm.connector.list_users()


def test_every_registered_kind_runs_the_contract():
    assert sorted(CONTRACT) == sorted(PROVIDERS)
