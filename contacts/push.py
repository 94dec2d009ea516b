"""Push imported contacts to the tenant's contact-center accounts (Daktela V6).

A contact is "pending" while `pushed_at` is NULL (every upsert by the sync clears it). A push
job first deletes, in every enabled contact-center account, the contacts the store deleted
(ContactDeletion rows; skipped when the contact came back meanwhile), then walks pending
contacts by id in batches, upserts each into every enabled account, and stamps `pushed_at` only
on rows not re-synced meanwhile. A transient failure stops the job; what was not stamped or
deleted stays pending and the next push resumes there. One push job per
tenant at a time (the tenant's contact-center account rows are locked while checking).
"""

import logging

from django.db import transaction
from django.utils import timezone

from connectors.errors import AuthError, ConnectorError
from contacts.models import Contact, ContactCenterAccount, ContactDeletion
from contacts.sync import LostClaim, claim_job, finish, heartbeat
from jobs.models import Job
from portal.celery import ring

log = logging.getLogger(__name__)

KIND = "contact_push"
BATCH = 200


def daktela_name(connector_id: int, crm_id: str) -> str:
    """Daktela's unique contact name for one of ours: stable, so updates never duplicate."""
    return f"crm{connector_id}_{crm_id}"


def daktela_payload(contact: Contact) -> dict:
    """The Daktela contact for one of ours."""
    title = contact.name or contact.email or contact.crm_id
    custom = {
        cc: [str(value)] for cc, value in (contact.fields or {}).items() if value not in (None, "")
    }
    return {
        "name": daktela_name(contact.connector_id, contact.crm_id),
        "title": title[:255],
        "firstname": contact.first_name,
        "lastname": contact.last_name,
        "email": contact.email,
        "number": (contact.phones or [""])[0],
        "description": contact.account,
        "customFields": {"number": list(contact.phones or []), **custom},
    }


def start_push(tenant_id: int) -> tuple[Job | None, bool]:
    from contacts.tasks import run_contact_push_task

    with transaction.atomic():
        accounts = list(
            ContactCenterAccount.objects.select_for_update()
            .filter(tenant_id=tenant_id, enabled=True)
            .order_by("pk")
        )
        if not accounts:
            return None, False
        running = Job.objects.filter(tenant_id=tenant_id, kind=KIND).unfinished().first()
        if running:
            return running, False
        job = Job.objects.create(tenant_id=tenant_id, kind=KIND)
        ring(run_contact_push_task, job.pk)  # best effort: the job sweeper rings again
    return job, True


def start_push_after_sync(sync_job: Job) -> None:
    """A sync that changed or deleted nothing leaves no push job behind."""
    tenant_id = sync_job.tenant_id
    if (
        Contact.objects.for_tenant(tenant_id).filter(pushed_at__isnull=True).exists()
        or ContactDeletion.objects.for_tenant(tenant_id).exists()
    ):
        start_push(tenant_id)


def run_contact_push(job_id: int) -> None:
    job = claim_job(job_id, KIND)
    if job is None:
        return
    try:
        result = push_pending(job)
    except LostClaim:
        return
    except ConnectorError as exc:
        _record_error(job.tenant_id, str(exc))
        finish(job, error=f"Contact center error: {exc}", result={"error": str(exc)})
        return
    except Exception as exc:
        log.exception("contact push job %s failed", job_id)
        finish(job, error=f"{type(exc).__name__}: {exc}")
        return
    finish(job, result=result)


def _record_error(tenant_id: int, message: str) -> None:
    ContactCenterAccount.objects.filter(tenant_id=tenant_id, enabled=True).update(
        last_error=message[:2000]
    )


def push_pending(job: Job) -> dict:
    accounts = list(ContactCenterAccount.objects.filter(tenant_id=job.tenant_id, enabled=True))
    clients = [a.client() for a in accounts]
    pending = Contact.objects.for_tenant(job.tenant_id).filter(pushed_at__isnull=True)
    deletions = ContactDeletion.objects.for_tenant(job.tenant_id)
    total = pending.count() + deletions.count()
    heartbeat(job, 0, total)
    counts = {"created": 0, "updated": 0, "deleted": 0, "rejected": 0}
    rejected: list[str] = []

    def each_client(crm_id: str, send) -> None:
        for client in clients:
            try:
                outcome = send(client)
            except ConnectorError as exc:
                if not exc.permanent or isinstance(exc, AuthError):
                    raise
                counts["rejected"] += 1  # the platform refused this contact's data
                if len(rejected) < 20:
                    rejected.append(f"{crm_id}: {exc}")
            else:
                if outcome:  # "" = already gone from the contact center
                    counts[outcome] += 1

    for batch in _batches(deletions):
        back = set(
            Contact.objects.for_tenant(job.tenant_id)
            .filter(crm_id__in=[d.crm_id for d in batch])
            .values_list("connector_id", "crm_id")
        )
        for gone in batch:
            if (gone.connector_id, gone.crm_id) not in back:  # else the upsert below wins
                name = daktela_name(gone.connector_id, gone.crm_id)
                each_client(gone.crm_id, lambda c, n=name: "deleted" if c.delete_contact(n) else "")
        deletions.filter(pk__in=[d.pk for d in batch]).delete()
        heartbeat(job, job.done + len(batch), total)
    for batch in _batches(pending):
        read_at = timezone.now()
        for contact in batch:
            payload = daktela_payload(contact)
            each_client(contact.crm_id, lambda c, p=payload: c.upsert_contact(p))
        pushed = Contact.objects.for_tenant(job.tenant_id)
        pushed.filter(pk__in=[c.pk for c in batch], synced_at__lte=read_at).update(
            pushed_at=timezone.now()
        )
        heartbeat(job, job.done + len(batch), total)
    now = timezone.now()
    ContactCenterAccount.objects.for_tenant(job.tenant_id).filter(
        pk__in=[a.pk for a in accounts]
    ).update(last_push_at=now, last_error="; ".join(rejected[:3])[:2000])
    return {**counts, "pushed": job.done, "rejected_examples": rejected}


def _batches(queryset):
    """Batches of BATCH rows by ascending id (keyset paging: rows may leave the set meanwhile)."""
    last_id = 0
    while batch := list(queryset.filter(pk__gt=last_id).order_by("pk")[:BATCH]):
        yield batch
        last_id = batch[-1].pk
