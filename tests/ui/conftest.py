"""Demo-like data for the layout walk: one row of every kind a page lists, with long names and
error texts (the things that widen tables), through the real ingest path where it matters."""

from types import SimpleNamespace

import pytest

from automations.models import CallbackProfile, Trigger
from calls.models import Call, CallSyncSettings, Interaction
from connectors.models import ConnectorStatus
from contacts.models import Contact, UserMapping
from jobs.models import Job, JobStatus
from platforms.models import ContactCenterAccount
from realtime.models import WidgetToken
from tenants.models import ApiKey
from tests.calls.conftest import call_events, event, fake_connector, fake_crm  # noqa: F401
from tests.calls.fakes import transient
from tests.calls.fakes_interactions import ix_connector, ix_crm  # noqa: F401
from tests.calls.test_interactions_api import item
from tests.factories import authorized_salesforce, make_connector
from tests.realtime.helpers import make_contact, make_pop_rule, make_rule

CALLS = "/api/v1/call-events/"
LONG_ERROR = (
    "HTTP 503 from fake: the service is down for scheduled maintenance until 23:00 UTC; "
    "requests are refused with Retry-After and the body says nothing more useful"
)


@pytest.fixture
def demo(request, api, tenant, salesforce_sim, settings, viewer_user):
    # the calls tests' fake CRMs (imported above so that pytest finds them here too)
    sync_crm = request.getfixturevalue("fake_connector")
    request.getfixturevalue("ix_connector")
    # ix_crm replaces fake_crm as the one FakeCRM both Fake connectors write to: its faults count
    sync_fake = request.getfixturevalue("ix_crm")
    settings.CALLS_MAX_ATTEMPTS = 1
    sf = authorized_salesforce(tenant, salesforce_sim, "Salesforce Production Europe")
    conf = CallSyncSettings.for_connector(sync_crm)
    conf.min_duration_seconds = 10
    conf.save()
    api.post(CALLS, call_events("1WS.100", start="2026-11-20T09:00:00+01:00"), format="json")
    api.post(
        CALLS,
        call_events(
            "1WS.101",
            start="2026-11-20T09:30:00+01:00",
            duration=4,
            caller="+420601222333",
            agent_email="anna.maria.long-surname@acme-contact-center.example.com",
            queue="Support Czech Republic - Premium customers",
        ),
        format="json",
    )
    api.post(
        CALLS,
        [
            event("1WS.102", "ringing", "2026-11-20T10:00:00+01:00", caller="+420602444555"),
            event("1WS.102", "missed", "2026-11-20T10:00:40+01:00", caller="+420602444555"),
        ],
        format="json",
    )
    sync_fake.faults.append(transient(LONG_ERROR))
    api.post(
        CALLS,
        call_events(
            "1WS.103", start="2026-11-20T11:00:00+01:00", caller="+420603666777", queue="Sales"
        ),
        format="json",
    )
    api.post(
        "/api/v1/interactions/",
        [item("e-1"), item("s-1", "sms", "+420773794804")],
        format="json",
    )
    # after the calls: an account in error is still a delivery target
    make_connector(
        tenant,
        kind="dynamics365",
        name="Dynamics 365 Customer Service (Sales EU)",
        settings={
            "instance_url": "https://acme-sales-eu.crm4.dynamics.com",
            "tenant_id": "8f0b9b4e-4b0e-4c1d-9a55-1d1d1d1d1d1d",
            "client_id": "0f9e8d7c-6b5a-4321-9fed-cba987654321",
        },
        credentials={"client_secret": "s"},
        status=ConnectorStatus.ERROR,
        last_error="AADSTS700016: Application with identifier '0f9e8d7c-6b5a-4321-9fed-"
        "cba987654321' was not found in the directory 'acme-sales-eu.onmicrosoft.com'.",
    )
    contact = make_contact(
        tenant,
        "+420773794804",
        "+420 226 211 245",
        connector=sf,
        first_name="Maximilián",
        last_name="Havíček-Novotný",
        email="maximilian.havicek-novotny@very-long-company-name.example",
    )
    mapping = UserMapping.objects.create(
        tenant=tenant,
        connector=sf,
        agent_id="jnovak",
        agent_email="jan.novak@acme-sim.example.com",
        agent_phone="+420226211245",
    )
    rule = make_rule(tenant, "owner", name="Owner of the caller's record")
    pop = make_pop_rule(tenant)
    token = WidgetToken.objects.create(tenant=tenant, name="Daktela production widget")
    trigger = Trigger.objects.create(
        tenant=tenant, connector=sf, name="Missed support calls", queues=["Support"]
    )
    profile = CallbackProfile.objects.create(
        tenant=tenant, connector=sf, name="Callbacks", callback_list="callbacks"
    )
    cc = ContactCenterAccount.objects.create(
        tenant=tenant, name="Daktela Prague", url="https://acme.daktela.com"
    )
    key, _secret = ApiKey.issue(tenant, "Daktela events module")
    job = Job.objects.create(
        tenant=tenant,
        kind="call_retry",
        status=JobStatus.SUCCEEDED,
        done=3,
        total=3,
        result={"filters": {"sync_state": "dead"}},
    )
    return SimpleNamespace(
        sf=sf,
        call=Call.objects.for_tenant(tenant).get(call_id="1WS.103"),
        interaction=Interaction.objects.for_tenant(tenant).first(),
        contact=Contact.objects.for_tenant(tenant).get(pk=contact.pk),
        mapping=mapping,
        rule=rule,
        pop=pop,
        token=token,
        trigger=trigger,
        profile=profile,
        cc=cc,
        key=key,
        job=job,
        viewer=viewer_user,
    )


@pytest.fixture
def page(chromium, live_server):
    """As tests/conftest.py's, with the CSP bypassed so that axe-core can be injected."""
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 860}, bypass_csp=True
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()
