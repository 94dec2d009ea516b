"""Issue 13 on every CRM, over real HTTP against each simulator: a lead, account or person
account created in the CRM after the last import is found by the lookup, by a call, by routing
and by the widget through the live search; an unknown caller's contact or lead is created once.

Each case imports first (so the store is current), then adds records to the simulator with
numbers in national format, each number used by one feature only, so every feature is proven
to reach the CRM itself rather than a row another feature stored.
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from calls import tasks
from calls.models import Call
from connectors.registry import provider
from contacts.lookup import LIVE, LOCAL, lookup
from contacts.models import Contact
from contacts.sync import run_contact_sync, start_contact_sync
from delivery.models import SyncRecord
from jobs.models import JobStatus
from tests.calls.conftest import call_events
from tests.crms.conftest import authorized
from tests.realtime.helpers import make_rule
from tests.realtime.identity import policy

pytestmark = pytest.mark.django_db

QUEUE = "+420226211245"
TARGET = "+420800100100"


@dataclass(frozen=True)
class Case:
    kind: str
    record_type: str
    add: object  # (sim, name, national number) -> crm_id of a record created now

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.record_type}"


def _sf(sobject, **extra):
    def add(sim, name, number):
        fields = {"Phone": number} if sobject != "PersonAccount" else {}
        if sobject == "Lead":
            fields.update(LastName=name, Company="Live Co")
        elif sobject == "Account":
            fields.update(Name=name)
        else:  # a Person Account: an Account with LastName and person phones
            fields.update(LastName=name, FirstName="Pat", PersonMobilePhone=number)
            return sim.add_record("Account", **fields)["Id"]
        return sim.add_record(sobject, **{**fields, **extra})["Id"]

    return add


def _dyn_lead(sim, name, number):
    return sim.add_lead(lastname=name, fullname=name, telephone1=number)["leadid"]


def _dyn_account(sim, name, number):
    return sim.add_account(name=name, telephone1=number)["accountid"]


def _sugar(module):
    def add(sim, name, number):
        if module == "Leads":
            return sim.add_record("Leads", last_name=name, phone_mobile=number)["id"]
        return sim.add_record("Accounts", name=name, phone_office=number)["id"]

    return add


def _retail_corporate(sim, name, number):
    person = sim.add_customer(lastName=f"{name} person", phones=[{"number": number}])
    return str(sim.add_corporate(name, contacts=[person["id"]])["id"])


CASES = [
    Case("salesforce", "lead", _sf("Lead")),
    Case("salesforce", "account", _sf("Account")),
    Case("salesforce", "account", _sf("PersonAccount")),
    Case("dynamics365", "lead", _dyn_lead),
    Case("dynamics365", "account", _dyn_account),
    Case("sugarcrm", "lead", _sugar("Leads")),
    Case("sugarcrm", "account", _sugar("Accounts")),
    Case("retailcrm", "account", _retail_corporate),
]
CASE_IDS = [c.id for c in CASES]
CASE_IDS[2] = "salesforce-person-account"


@pytest.fixture
def crm(request, tenant, start_simulator, monkeypatch):
    """An authorized connector of the case's kind, imported once, every record type on."""
    kind = request.param
    sim, account = authorized(kind, tenant, start_simulator, monkeypatch)
    policy(account, objects_order=list(provider(kind).record_types))
    job, _ = start_contact_sync(account)
    run_contact_sync(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    return sim, account


def numbers(n: int):
    """Distinct CZ mobile numbers, national (as a CRM user types them) and E.164."""
    national = f"602 44{n // 10} {n % 10}{n % 10}{n % 10}"
    return national, "+420" + national.replace(" ", "")


@pytest.mark.parametrize("case, crm", [(c, c.kind) for c in CASES], ids=CASE_IDS, indirect=["crm"])
def test_created_after_the_import_found_live_by_lookup_call_routing_and_widget(
    case, crm, tenant, api, client, admin_user, django_capture_on_commit_callbacks
):
    sim, account = crm
    if case.kind == "retailcrm":  # its company's number is also its contact person's:
        policy(account, objects_order=["account", "contact"])  # prefer the company
    ids = {}
    for feature, n in (("lookup", 1), ("call", 2), ("routing", 3), ("widget", 4)):
        national, e164 = numbers(n + 10 * CASES.index(case))
        ids[feature] = (e164, case.add(sim, f"Live {feature}", national))

    # the lookup: asked live once, then answered from the store
    e164, crm_id = ids["lookup"]
    assert not Contact.objects.for_tenant(tenant).by_phone(e164, "CZ").exists()
    found = [m for m in lookup(tenant, e164) if m.crm_id == crm_id]
    assert [(m.type, m.source) for m in found] == [(case.record_type, LIVE)]
    again = [m for m in lookup(tenant, e164) if m.crm_id == crm_id]
    assert [(m.type, m.source) for m in again] == [(case.record_type, LOCAL)]

    # a call from the number is linked to the record the CRM holds (resolved at delivery)
    e164, crm_id = ids["call"]
    events = call_events("LIVE-1", caller=e164)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/v1/call-events/", events, format="json").status_code == 202
    call = Call.objects.for_tenant(tenant).get(call_id="LIVE-1")
    row = SyncRecord.objects.for_tenant(tenant).get(call=call, kind="call_log")
    if row.state != "synced":  # a doorbell that arrived first: the sweeper delivers it
        SyncRecord.objects.for_tenant(tenant).update(next_attempt_at=timezone.now())
        with django_capture_on_commit_callbacks(execute=True):
            tasks.sweep()
        row.refresh_from_db()
    assert row.state == "synced", (row.state, row.last_error)
    assert row.match["type"] == case.record_type and row.match["crm_id"] == crm_id
    assert row.match["source"] == LIVE
    assert row.payload["contact_crm_id"] == crm_id

    # routing: a bnum rule routes known callers only, so a 200 means the CRM was searched
    e164, crm_id = ids["routing"]
    make_rule(tenant, "bnum", bnum=QUEUE, target=TARGET)
    answer = api.post(
        "/api/v1/routing/initial-target/", {"anum": e164, "bnum": QUEUE}, format="json"
    )
    assert answer.status_code == 200 and answer.json() == {"InitialTarget": TARGET}

    # the widget lists the record with its type
    e164, crm_id = ids["widget"]
    client.force_login(admin_user)
    html = client.get("/widget/activity/", {"clid": e164}).content.decode()
    assert crm_id in html and f'data-type="{case.record_type}"' in html


CREATES = [
    ("salesforce", "create_contact"),
    ("salesforce", "create_lead"),
    ("dynamics365", "create_contact"),
    ("dynamics365", "create_lead"),
    ("sugarcrm", "create_contact"),
    ("sugarcrm", "create_lead"),
    ("retailcrm", "create_contact"),
]


@pytest.mark.parametrize("crm, rule", CREATES, indirect=["crm"])
def test_unknown_caller_record_created_once_across_a_retry(
    crm, rule, tenant, api, django_capture_on_commit_callbacks
):
    sim, account = crm
    record_type = rule.removeprefix("create_")
    policy(account, unknown_caller=rule)
    _national, e164 = numbers(99)

    def post(call_id, minute):
        events = call_events(call_id, start=f"2026-11-20T10:{minute:02d}:00+01:00", caller=e164)
        with django_capture_on_commit_callbacks(execute=True):
            assert api.post("/api/v1/call-events/", events, format="json").status_code == 202
        call = Call.objects.for_tenant(tenant).get(call_id=call_id)
        return SyncRecord.objects.for_tenant(tenant).get(call=call, kind="call_log")

    first = post("NEW-1", 0)
    assert first.state == "synced", first.last_error
    assert first.match["source"] == "created" and first.match["type"] == record_type
    # retry the delivered call, then a second call from the number: no second record
    assert api.post(f"/api/v1/calls/{first.call_id}/retry/").status_code in (202, 409)
    SyncRecord.objects.for_tenant(tenant).update(next_attempt_at=timezone.now() - timedelta(1))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep()
    second = post("NEW-2", 10)
    assert second.state == "synced" and second.match["crm_id"] == first.match["crm_id"]
    in_crm = account.connector.find_contacts_by_phone(e164, record_types=(record_type,))
    assert [r.crm_id for r in in_crm] == [first.match["crm_id"]]
