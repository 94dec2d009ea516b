"""Erasure (API.md "Erasure"): by phone or e-mail; afterwards no table holds the number."""

import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import models
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import timezone

from automations.callbacks import callback_key
from automations.models import CallbackRequest
from calls.models import Call, CallEvent, CreatedCaller
from connectors.models import ConnectorAccount, ConnectorAuditEntry
from contacts.models import Contact
from delivery.models import AttemptOutcome, DeliveryAttempt, SyncRecord, SyncState
from jobs.models import Job, JobStatus
from tenants.fields import EncryptedJSONField
from tenants.scoping import TenantScopedModel
from tests.contacts.helpers import make_contact
from tests.factories import make_connector

URL = "/api/v1/erasure/"
# The number in every format the test stores it in (E.164, 00-prefixed, national, spaced).
TRACES = ["773794804", "773 794 804"]
# Confirms a substring hit: the digits not inside a longer number (only leading zeros, the
# trunk / international prefixes, may come before them): "17737948041" is someone else.
THE_NUMBER = re.compile(r"(?<![1-9])773 ?794 ?804(?!\d)")


def person_rows(tenant, crm_id="003P1"):
    """The person (+420 773 794 804) spread over every place the portal keeps a number."""
    now = timezone.now()
    crm = make_connector(tenant, name=f"crm {tenant.slug}")
    make_contact(
        tenant,
        connector=crm,
        crm_id=crm_id,
        phones=("+420 773 794 804",),
        first_name="Jana",
        last_name="Nováková",
        email="jana@example.com",
        fields={"mobile": "00420773794804"},
    )
    call = Call.objects.create(
        tenant=tenant,
        call_id=f"c-{tenant.slug}",
        direction="in",
        caller="00420773794804",
        caller_e164="+420773794804",
        caller_tail="3794804",
        callee="+420222111000",
        callee_e164="+420222111000",
        callee_tail="2111000",
        phone_e164="+420773794804",
        started_at=now,
        ended=True,
        status="answered",
    )
    CallEvent.objects.create(
        tenant=tenant,
        event_id=f"e1-{tenant.slug}",
        call_id=call.call_id,
        type="ringing",
        occurred_at=now,
        received_at=now,
        folded=True,
        data={"caller": "00420773794804", "callee": "+420222111000"},
    )
    CallEvent.objects.create(  # not folded yet, another call id
        tenant=tenant,
        event_id=f"e2-{tenant.slug}",
        call_id=f"c2-{tenant.slug}",
        type="ringing",
        occurred_at=now,
        received_at=now,
        data={"caller": "773 794 804"},
    )
    record = SyncRecord.objects.create(
        tenant=tenant,
        connector=crm,
        key=f"log-{tenant.slug}",
        call=call,
        state=SyncState.SYNCED,
        payload={"phone": "+420773794804", "subject": "in call +420773794804"},
        match={"crm_id": "003P1", "phone": "+420773794804"},
    )
    DeliveryAttempt.objects.create(
        tenant=tenant,
        record=record,
        number=1,
        started_at=now,
        finished_at=now,
        outcome=AttemptOutcome.FAILED,
        error="CRM refused phone +420773794804",
    )
    callback = CallbackRequest.objects.create(
        tenant=tenant,
        request_id=f"cb-{tenant.slug}",
        callback_list="default",
        phone="773 794 804",
        phone_e164="+420773794804",
        requested_at=now,
    )
    SyncRecord.objects.create(
        tenant=tenant,
        connector=crm,
        kind="callback",
        key=callback_key(callback),
        payload={"request": callback.pk},
        state=SyncState.DEAD,
        last_error="Phone 773794804 is not valid",
    )
    CreatedCaller.objects.create(
        tenant=tenant,
        connector=crm,
        e164="+420773794804",
        type="lead",
        crm_id="00QX",
        claimed_at=now,
    )
    ticket = SyncRecord.objects.create(  # a write not linked to the call: found by the walk
        tenant=tenant,
        connector=crm,
        kind="ticket",
        key=f"t-{tenant.slug}",
        payload={"subject": "Missed call from 00420773794804"},
        state=SyncState.SYNCED,
    )
    DeliveryAttempt.objects.create(
        tenant=tenant,
        record=ticket,
        number=1,
        started_at=now,
        finished_at=now,
        outcome=AttemptOutcome.SYNCED,
        error="",
    )
    ConnectorAccount.objects.for_tenant(tenant).filter(pk=crm.pk).update(
        last_error="Live lookup of +420773794804 timed out"
    )
    Job.objects.create(
        tenant=tenant,
        kind="contact_sync",
        connector=crm,
        status=JobStatus.FAILED,
        error="record 003P1 (+420773794804) rejected",
        finished_at=now - timedelta(minutes=1),
    )
    return crm


def bystanders(tenant, crm):
    """Rows that must stay: another number, one that only shares its last 7 digits, and an id
    with the digits inside a longer number."""
    now = timezone.now()
    Job.objects.create(tenant=tenant, kind="contact_push", error="ticket 17737948041 closed")
    make_contact(
        tenant, connector=crm, crm_id="003B1", phones=("+420 601 222 333",), last_name="Other"
    )
    for n, caller in enumerate(["+420601222333", "+421913794804"]):
        Call.objects.create(
            tenant=tenant,
            call_id=f"keep-{n}",
            direction="in",
            caller=caller,
            caller_e164=caller,
            caller_tail=caller[-7:],
            phone_e164=caller,
            started_at=now,
            ended=True,
        )


def traces(tenant, confirm=THE_NUMBER, needles=TRACES) -> list[str]:
    """Every text/JSON column of every model (this tenant's rows of tenant-owned ones) that
    still contains the number (or `confirm`'s match of `needles`): a full-table search."""
    found = []
    for model in apps.get_models():
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
            and not isinstance(f, EncryptedJSONField)
        ]
        if not fields:
            continue
        rows = model._base_manager.all()
        if issubclass(model, TenantScopedModel):
            rows = rows.filter(tenant=tenant)
        annotations = {f"_t_{f}": Cast(f, models.TextField()) for f in fields}
        cond = Q()
        for alias in annotations:
            for trace in needles:
                cond |= Q(**{f"{alias}__icontains": trace})
        for pk, *texts in rows.annotate(**annotations).filter(cond).values_list("pk", *annotations):
            if any(confirm.search(t or "") for t in texts):
                found.append(f"{model._meta.label}#{pk}")
    return found


def test_erasure_by_phone_leaves_no_trace_of_the_number(api, tenant, other_tenant):
    crm = person_rows(tenant)
    bystanders(tenant, crm)
    person_rows(other_tenant)
    assert len(traces(tenant)) >= 10  # the search finds the number where it was put

    response = api.post(URL, {"phone": "00420 773 794 804"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "contacts": 1,
        "calls": 1,  # with its outbox row and delivery attempt
        "interactions": 0,
        "events": 2,  # the call's, and an unfolded one of another call id naming the number
        "callback_requests": 1,
        # the callback's and the ticket's outbox rows, the unknown-caller claim, the job's
        # error, the connector's last error
        "other": 5,
    }
    assert traces(tenant) == []
    # The bystanders are untouched: another number, and one sharing only its last digits.
    assert set(Call.objects.for_tenant(tenant).values_list("call_id", flat=True)) == {
        "keep-0",
        "keep-1",
    }
    assert list(Contact.objects.for_tenant(tenant).values_list("crm_id", flat=True)) == ["003B1"]
    crm.refresh_from_db()
    assert crm.last_error == "Live lookup of [erased] timed out"
    errors = set(Job.objects.for_tenant(tenant).values_list("error", flat=True))
    assert errors == {"record 003P1 ([erased]) rejected", "ticket 17737948041 closed"}
    # The other tenant keeps the same person's data.
    assert len(traces(other_tenant)) >= 10
    # Audited with the counts, never the number.
    entry = ConnectorAuditEntry.objects.for_tenant(tenant).get(action="erasure")
    assert entry.changes["calls"] == 1 and entry.changes["by"] == "phone"
    assert entry.actor == "API key test"


def test_erasure_by_email(api, tenant):
    crm = make_connector(tenant, name="crm")
    make_contact(tenant, connector=crm, crm_id="003E", phones=(), email="Jane@Example.com")
    make_contact(tenant, connector=crm, crm_id="003F", phones=(), email="john@example.com")
    response = api.post(URL, {"email": "jane@example.com"}, format="json")
    assert response.status_code == 200
    assert response.json()["contacts"] == 1
    assert list(Contact.objects.for_tenant(tenant).values_list("crm_id", flat=True)) == ["003F"]


@pytest.mark.parametrize("body", [{}, {"phone": ""}, {"phone": " ", "email": ""}])
def test_neither_phone_nor_email_is_400(api, tenant, body):
    response = api.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert not ConnectorAuditEntry.objects.for_tenant(tenant).filter(action="erasure").exists()


def test_the_call_page_action_confirms_then_erases(client, admin_user, tenant):
    person_rows(tenant)
    client.force_login(admin_user)
    call = Call.objects.for_tenant(tenant).get()
    page = client.get(f"/calls/{call.pk}/")
    assert f"/operations/erasure/call/{call.pk}/" in page.content.decode()

    confirm = client.get(f"/operations/erasure/call/{call.pk}/")
    assert confirm.status_code == 200
    body = confirm.content.decode()
    assert "Erase the caller of call c-acme?" in body
    assert "<dt>Calls</dt><dd>1</dd>" in body and "<dt>Contacts</dt><dd>1</dd>" in body
    assert Call.objects.for_tenant(tenant).count() == 1  # the preview deleted nothing
    assert not ConnectorAuditEntry.objects.for_tenant(tenant).filter(action="erasure").exists()

    done = client.post(f"/operations/erasure/call/{call.pk}/", follow=True)
    assert done.redirect_chain[-1][0] == "/calls/"
    assert "Erased: 1 contacts, 1 calls, 2 call events" in done.content.decode()
    assert traces(tenant) == []


def test_the_contact_page_action_erases_the_contacts_numbers_and_email(client, admin_user, tenant):
    person_rows(tenant)
    client.force_login(admin_user)
    contact = Contact.objects.for_tenant(tenant).get()
    assert (
        f"/operations/erasure/contact/{contact.pk}/"
        in client.get(f"/contacts/{contact.pk}/").content.decode()
    )
    assert client.get(f"/operations/erasure/contact/{contact.pk}/").status_code == 200
    client.post(f"/operations/erasure/contact/{contact.pk}/")
    assert traces(tenant) == []
    assert not Contact.objects.for_tenant(tenant).exists()


def test_erasure_pages_are_for_admins(client, support_user, tenant):
    person_rows(tenant)
    client.force_login(support_user)
    call = Call.objects.for_tenant(tenant).get()
    assert client.post(f"/operations/erasure/call/{call.pk}/").status_code == 403
    assert (
        client.post("/operations/erasure/", {"phone": "+420773794804", "confirm": "1"}).status_code
        == 403
    )
    assert Call.objects.for_tenant(tenant).exists()


def test_the_erasure_form_previews_then_erases(client, admin_user, tenant):
    person_rows(tenant)
    client.force_login(admin_user)
    preview = client.post("/operations/erasure/", {"phone": "773794804"})
    assert preview.status_code == 200 and "<dt>Calls</dt><dd>1</dd>" in preview.content.decode()
    assert Call.objects.for_tenant(tenant).exists()
    client.post("/operations/erasure/", {"phone": "773794804", "confirm": "1"})
    assert traces(tenant) == []
    assert "1 calls" in client.get("/operations/retention/").content.decode()
