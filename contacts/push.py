"""Push imported contacts to the tenant's contact-center accounts (Daktela V6).

A contact is "pending" while `pushed_at` is NULL (every upsert by the sync clears it). A push
job walks pending contacts by id in batches, upserts each into every enabled contact-center
account, and stamps `pushed_at` only on rows not re-synced meanwhile. A transient failure stops
the job; what was not stamped stays pending and the next push resumes there. One push job per
tenant at a time (the tenant's contact-center account rows are locked while checking).
"""

import logging

from django.db import transaction
from django.utils import timezone

from connectors.errors import AuthError, ConnectorError
from contacts.models import Contact, ContactCenterAccount
from contacts.sync import LostClaim, claim_job, finish, heartbeat
from jobs.models import Job

log = logging.getLogger(__name__)

KIND = "contact_push"
BATCH = 200


def daktela_payload(contact: Contact) -> dict:
    """The Daktela contact for one of ours; `name` is stable so updates never duplicate."""
    title = contact.name or contact.email or contact.crm_id
    custom = {
        cc: [str(value)] for cc, value in (contact.fields or {}).items() if value not in (None, "")
    }
    return {
        "name": f"crm{contact.connector_id}_{contact.crm_id}",
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
        transaction.on_commit(lambda: run_contact_push_task.delay(job.pk))
    return job, True


def start_push_after_sync(sync_job: Job) -> None:
    """A sync that changed nothing pending leaves no push job behind."""
    if Contact.objects.for_tenant(sync_job.tenant_id).filter(pushed_at__isnull=True).exists():
        start_push(sync_job.tenant_id)


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
    clients = [(a, a.client()) for a in accounts]
    pending = Contact.objects.for_tenant(job.tenant_id).filter(pushed_at__isnull=True)
    total = pending.count()
    heartbeat(job, 0, total)
    counts = {"created": 0, "updated": 0, "rejected": 0}
    rejected: list[str] = []
    last_id = 0
    while True:
        read_at = timezone.now()
        batch = list(pending.filter(pk__gt=last_id).order_by("pk")[:BATCH])
        if not batch:
            break
        for contact in batch:
            payload = daktela_payload(contact)
            for _account, client in clients:
                try:
                    counts[client.upsert_contact(payload)] += 1
                except ConnectorError as exc:
                    if not exc.permanent or isinstance(exc, AuthError):
                        raise
                    counts["rejected"] += 1  # the platform refused this contact's data
                    if len(rejected) < 20:
                        rejected.append(f"{contact.crm_id}: {exc}")
        last_id = batch[-1].pk
        Contact.objects.filter(pk__in=[c.pk for c in batch], synced_at__lte=read_at).update(
            pushed_at=timezone.now()
        )
        heartbeat(job, job.done + len(batch), total)
    now = timezone.now()
    ContactCenterAccount.objects.filter(pk__in=[a.pk for a in accounts]).update(
        last_push_at=now, last_error="; ".join(rejected[:3])[:2000]
    )
    return {**counts, "pushed": job.done, "rejected_examples": rejected}
