"""Push imported contacts to the tenant's contact-center accounts (platforms/, e.g. Daktela).

A contact is "pending" while `pushed_at` is NULL (every upsert by the sync clears it). A push
job first deletes, in every enabled contact-center account, the contacts the store deleted
(ContactDeletion rows; skipped when the contact came back meanwhile), then walks pending
contacts by id in batches, upserts each into every enabled account, and stamps `pushed_at` only
on rows not re-synced meanwhile. A transient failure stops the job; what was not stamped or
deleted stays pending and the next push resumes there. One push job per
tenant at a time (the tenant's contact-center account rows are locked while checking).
The job is the `ContactPush` runner (jobs/runner.py); what a platform does with one contact is
its package's (platforms/<kind>/platform.py, through platforms.registry.platform_for).
"""

import logging

from django.db import transaction
from django.utils import timezone

from connectors.errors import AuthError, ConnectorError
from contacts.models import Contact, ContactDeletion
from jobs.models import Job
from jobs.runner import JobRunner, heartbeat
from platforms.base import PUSH_CONTACTS
from platforms.models import ContactCenterAccount
from platforms.registry import kinds_with, platform_for

log = logging.getLogger(__name__)

KIND = "contact_push"
BATCH = 200


def start_push(tenant_id: int) -> tuple[Job | None, bool]:
    with transaction.atomic():
        accounts = list(
            ContactCenterAccount.objects.select_for_update()
            .filter(tenant_id=tenant_id, enabled=True, kind__in=kinds_with(PUSH_CONTACTS))
            .order_by("pk")
        )
        if not accounts:
            return None, False
        running = Job.objects.filter(tenant_id=tenant_id, kind=KIND).unfinished().first()
        if running:
            return running, False
        job = ContactPush.enqueue(tenant_id)
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
    """Claim, run and record one push job (task contacts.run_contact_push)."""
    ContactPush.handle(job_id)


class ContactPush(JobRunner):
    """One push of a tenant's pending contacts and deletes to its contact-center accounts."""

    kind = KIND
    task = "contacts.run_contact_push"

    def run(self) -> dict:
        return push_pending(self.job)

    def failure(self, exc):
        if isinstance(exc, ConnectorError):
            _record_error(self.job.tenant_id, str(exc))
            return f"Contact center error: {exc}", {"error": str(exc)}
        return None


def drop_orphan_deletions(sender, instance, **kwargs) -> None:
    """post_delete of a ContactCenterAccount (connected in ContactsConfig.ready): the tenant's
    last contact center gone, its pending deletes have nowhere to go."""
    if not ContactCenterAccount.objects.filter(tenant_id=instance.tenant_id).exists():
        ContactDeletion.objects.filter(tenant_id=instance.tenant_id).delete()


def _record_error(tenant_id: int, message: str) -> None:
    ContactCenterAccount.objects.filter(tenant_id=tenant_id, enabled=True).update(
        last_error=message[:2000]
    )


def push_pending(job: Job) -> dict:
    accounts = list(
        ContactCenterAccount.objects.filter(
            tenant_id=job.tenant_id, enabled=True, kind__in=kinds_with(PUSH_CONTACTS)
        )
    )
    platforms = [platform_for(a) for a in accounts]
    pending = Contact.objects.for_tenant(job.tenant_id).filter(pushed_at__isnull=True)
    deletions = ContactDeletion.objects.for_tenant(job.tenant_id)
    total = pending.count() + deletions.count()
    heartbeat(job, 0, total)
    counts = {"created": 0, "updated": 0, "deleted": 0, "rejected": 0}
    rejected: list[str] = []

    def each_platform(crm_id: str, send) -> None:
        for platform in platforms:
            try:
                outcome = send(platform)
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
                each_platform(
                    gone.crm_id,
                    lambda p, g=gone: (
                        "deleted" if p.delete_contact(g.connector_id, g.crm_id) else ""
                    ),
                )
        ContactDeletion.objects.for_tenant(job.tenant_id).filter(
            pk__in=[d.pk for d in batch]
        ).delete()
        heartbeat(job, job.done + len(batch), total)
    for batch in _batches(pending):
        read_at = timezone.now()
        for contact in batch:
            each_platform(contact.crm_id, lambda p, c=contact: p.upsert_contact(c))
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
