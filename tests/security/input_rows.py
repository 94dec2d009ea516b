"""Rows of every kind the API returns, with each nullable field null (and a twin with values).

Used by tests/security/test_input_schema.py and the schemathesis fuzz (tests/test_api_fuzz.py),
so that response-schema checks see real nulls instead of empty lists (issue 11, point 9).
"""

from datetime import UTC, datetime

from calls.models import Call, CallActivity, CallEvent
from contacts.models import Contact, FieldMapping, UserMapping
from delivery.models import SyncRecord, SyncState
from jobs.models import Job
from platforms.models import ContactCenterAccount
from realtime.models import RoutingRule, ScreenPopRule

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def add_rows_with_nulls(tenant, connector) -> dict[str, int]:
    """Create the rows; returns {"/api/v1/<collection>/": pk} of the row with nulls."""
    bare = Call.objects.create(tenant=tenant, call_id="null-1")  # every date null, no decision
    full = Call.objects.create(
        tenant=tenant,
        call_id="full-1",
        started_at=AT,
        answered_at=AT,
        ended_at=AT,
        ended=True,
        decided_at=AT,
    )
    CallActivity.objects.create(tenant=tenant, call=bare, activity_id="a-null")
    CallActivity.objects.create(tenant=tenant, call=full, activity_id="a-full", started_at=AT)
    CallEvent.objects.create(
        tenant=tenant,
        event_id="e-1",
        call_id="full-1",
        type="ended",
        occurred_at=AT,
        received_at=AT,
    )
    SyncRecord.objects.create(
        tenant=tenant, connector=connector, key="k-null", call=bare, state=SyncState.PENDING
    )
    SyncRecord.objects.create(
        tenant=tenant,
        connector=connector,
        key="k-full",
        call=full,
        state=SyncState.FAILED,
        next_attempt_at=AT,
        synced_at=AT,
        late_updated_at=AT,
    )
    contact = Contact.objects.create(tenant=tenant, connector=connector, crm_id="003-null")
    Contact.objects.create(
        tenant=tenant, connector=connector, crm_id="003-full", crm_modified_at=AT
    )
    mapping = FieldMapping.objects.create(
        tenant=tenant, connector=connector, crm_field="MobilePhone", cc_field="mobile"
    )
    users = UserMapping.objects.create(tenant=tenant, connector=connector, agent_id="jdoe")
    rule = RoutingRule.objects.create(tenant=tenant, name="r", kind="bnum", bnum="+420226211245")
    pop = ScreenPopRule.objects.create(
        tenant=tenant, key="01", rule="direction=inbound=>https://x.test/"
    )
    cc = ContactCenterAccount.objects.create(
        tenant=tenant, name="Daktela", url="http://127.0.0.1:9"
    )
    job = Job.objects.create(tenant=tenant, kind="contact_push")  # no connector, no dates
    return {
        "/api/v1/calls/": bare.pk,
        "/api/v1/contacts/": contact.pk,
        "/api/v1/field-mappings/": mapping.pk,
        "/api/v1/user-mappings/": users.pk,
        "/api/v1/routing-rules/": rule.pk,
        "/api/v1/screen-pop-rules/": pop.pk,
        "/api/v1/contact-center/": cc.pk,
        "/api/v1/jobs/": job.pk,
    }
