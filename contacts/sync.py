"""Contact import: starting a run (one per connector at a time) and running it.

* `start_contact_sync(account)` locks the connector's ContactSyncSettings row (SELECT ... FOR
  UPDATE) and creates a Job only when no unfinished contact_sync job exists for it; a second
  request gets the running job back. The Celery task is enqueued on commit (a doorbell).
* `run_contact_sync(job_id)` claims the job (queued -> running, its `started_at` is the claim
  token), imports page by page (full the first time, then incremental from the high-water mark
  of CRM modified times), sweeps deletes, and records the outcome on the Job row. Every page
  heartbeats the job; a worker that lost its claim (the sweeper re-queued the job) stops.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, reset_queries, transaction
from django.utils import timezone

from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount
from contacts import metadata
from contacts.importer import Importer, delete_contacts
from contacts.models import Contact, ContactSyncSettings
from contacts.prefetch import prefetch
from jobs.models import Job, JobStatus
from portal.celery import ring
from tenants.scoping import get_for_tenant

log = logging.getLogger(__name__)

KIND = "contact_sync"


def overlap() -> timedelta:
    """Re-read a little before the high-water mark: CRM rows can commit with an older stamp."""
    return timedelta(seconds=getattr(settings, "CONTACT_SYNC_OVERLAP_SECONDS", 60))


class LostClaim(Exception):
    """The sweeper handed this job to another worker; stop quietly."""


def start_contact_sync(account: ConnectorAccount, *, full: bool = False) -> tuple[Job, bool]:
    """(job, created): the unfinished sync of this connector, or a new queued one."""
    from contacts.tasks import run_contact_sync_task

    ContactSyncSettings.for_connector(account)
    with transaction.atomic():
        sync = (
            ContactSyncSettings.objects.for_tenant(account.tenant_id)
            .select_for_update()
            .get(connector=account)
        )
        running = (
            Job.objects.for_tenant(account.tenant_id)
            .filter(connector=account, kind=KIND)
            .unfinished()
            .first()
        )
        if running:
            return running, False
        if full and not sync.full_sync_requested:
            sync.full_sync_requested = True
        sync.next_run_at = timezone.now() + timedelta(minutes=sync.interval_minutes)
        sync.save(update_fields=["full_sync_requested", "next_run_at", "updated_at"])
        job = Job.objects.create(tenant_id=account.tenant_id, kind=KIND, connector=account)
        ring(run_contact_sync_task, job.pk)  # best effort: the job sweeper rings again
    return job, True


def request_full_sync(account) -> None:
    """Mapped values live on every contact: a changed mapping re-imports them all next run."""
    ContactSyncSettings.for_connector(account)
    ContactSyncSettings.objects.for_tenant(account.tenant_id).filter(connector=account).update(
        full_sync_requested=True
    )


def claim_job(job_id: int, kind: str) -> Job | None:
    """Take a queued job (queued -> running); None when it is done or someone else has it."""
    with transaction.atomic():
        # The task holds only the job id; the row says whose it is.
        job = Job.objects.unscoped().select_for_update().filter(pk=job_id, kind=kind).first()
        if job is None or job.status != JobStatus.QUEUED:
            return None  # done, or another worker holds it (the sweeper watches heartbeats)
        job.start()
    return job


def heartbeat(job: Job, done: int, total: int | None = None) -> None:
    job.done = done
    if total is not None:
        job.total = total
    job.heartbeat_at = timezone.now()
    owned = (
        Job.objects.for_tenant(job.tenant_id)
        .filter(pk=job.pk, status=JobStatus.RUNNING, started_at=job.started_at)
        .update(done=job.done, total=job.total, heartbeat_at=job.heartbeat_at)
    )
    if not owned:
        raise LostClaim()


def finish(job: Job, error: str = "", result: dict | None = None) -> None:
    status = JobStatus.FAILED if error else JobStatus.SUCCEEDED
    Job.objects.for_tenant(job.tenant_id).filter(pk=job.pk, started_at=job.started_at).update(
        status=status,
        error=error[:5000],
        result=result or {},
        done=job.done,
        total=job.total,
        finished_at=timezone.now(),
    )


def run_contact_sync(job_id: int) -> None:
    job = claim_job(job_id, KIND)
    if job is None:
        return
    try:
        result = ContactSync(job).run()
    except LostClaim:
        log.warning("contact sync job %s was taken over by another worker", job_id)
        return
    except ConnectorError as exc:
        finish(job, error=f"CRM error: {exc}")
        return
    except Exception as exc:  # recorded on the job; the log keeps the traceback
        log.exception("contact sync job %s failed", job_id)
        finish(job, error=f"{type(exc).__name__}: {exc}")
        return
    finish(job, result=result)
    from contacts.push import start_push_after_sync

    start_push_after_sync(job)


class ContactSync:
    def __init__(self, job: Job):
        self.job = job
        self.account = get_for_tenant(ConnectorAccount, job.tenant_id, pk=job.connector_id)
        self.settings = ContactSyncSettings.for_connector(self.account)

    def run(self) -> dict:
        now = timezone.now()
        st, account = self.settings, self.account
        full = st.high_water_mark is None or st.full_sync_requested
        since = None if full else st.high_water_mark - overlap()
        mapping = metadata.check_mappings(account)
        connector = account.connector
        importer = Importer(
            account, region=account.tenant.default_region, mapping=mapping, mark=self.job.pk
        )
        total = self._count(connector, since)
        heartbeat(self.job, 0, total)
        totals = {"fetched": 0, "upserted": 0, "deleted": 0, "skipped": 0}
        high = st.high_water_mark
        pages = connector.iter_contacts(modified_since=since, fields=sorted(mapping))
        # The prefetch thread may write (token refresh, API usage) on its own connection:
        # fine on PostgreSQL, but SQLite would lock the file (or the in-memory test DB).
        if getattr(settings, "CONTACT_SYNC_PREFETCH", connection.vendor != "sqlite"):
            pages = prefetch(pages)
        for page in pages:
            stats = importer.apply(page)
            for key in totals:
                totals[key] += getattr(stats, key)
            if stats.max_modified and (high is None or stats.max_modified > high):
                high = stats.max_modified
            heartbeat(self.job, totals["fetched"], total)
            reset_queries()  # DEBUG keeps SQL text; do not let it grow with N
        if total != totals["fetched"]:  # the count was an estimate (or raced with changes)
            heartbeat(self.job, totals["fetched"], totals["fetched"])
        reconciled = False
        if full and totals["fetched"]:  # an empty answer never wipes the store
            totals["deleted"] += self._sweep_unseen()
            reconciled = True
        elif st.reconcile_due(now):
            totals["deleted"] += self._reconcile(connector)
            reconciled = True
        st.high_water_mark = high
        st.full_sync_requested = False
        st.last_full_sync_at = now if full else st.last_full_sync_at
        st.last_reconciled_at = now if reconciled else st.last_reconciled_at
        st.save()
        return {
            "mode": "full" if full else "incremental",
            "modified_since": since.isoformat() if since else None,
            "high_water_mark": high.isoformat() if high else None,
            "reconciled": reconciled,
            "mapped_fields": sorted(mapping),
            **totals,
        }

    def _count(self, connector, since) -> int | None:
        count = getattr(connector, "count_contacts", None)
        if count is None:
            return None
        try:
            return count(modified_since=since)
        except (ConnectorError, NotImplementedError):
            return None

    def _sweep_unseen(self) -> int:
        """After a full import: contacts the CRM no longer lists were deleted or merged."""
        stale = (
            Contact.objects.for_tenant(self.account.tenant_id)
            .filter(connector=self.account)
            .exclude(seen_mark=self.job.pk)
        )
        return delete_contacts(stale)

    def _reconcile(self, connector) -> int:
        """Mark every id the CRM still has, then sweep the rest (memory flat: pages of ids)."""
        try:
            pages = connector.iter_contact_ids()
            marked = 0
            for ids in pages:
                marked += (
                    Contact.objects.for_tenant(self.account.tenant_id)
                    .filter(connector=self.account, crm_id__in=ids)
                    .update(seen_mark=self.job.pk)
                )
                heartbeat(self.job, self.job.done, self.job.total)
        except NotImplementedError:
            return 0
        if not marked:  # the CRM listed none of ours: refuse a mass delete, keep the store
            log.warning(
                "reconcile of connector %s matched no contact; not sweeping", self.account.pk
            )
            return 0
        return self._sweep_unseen()
