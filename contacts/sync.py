"""Contact import: starting a run (one per connector at a time) and running it.

* `start_contact_sync(account)` locks the connector's ContactSyncSettings row (SELECT ... FOR
  UPDATE) and creates a Job only when no unfinished contact_sync job exists for it; a second
  request gets the running job back. The Celery task is rung on commit (a doorbell, by name).
* `run_contact_sync(job_id)` runs the `ContactSync` job runner (jobs/runner.py: claim, heartbeat,
  finish, lost claim): it imports page by page (full the first time, then incremental from the
  high-water mark of CRM modified times), sweeps deletes, and records the outcome on the Job
  row. Every page heartbeats the job; a worker that lost its claim (the sweeper, jobs/sweeper.py,
  re-queued the job) stops. A finished sync starts the push to the contact centers.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import reset_queries, transaction
from django.db.models import Q
from django.utils import timezone

from connectors.capabilities import Capability
from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount, ConnectorStatus
from contacts import metadata
from contacts.importer import Importer, delete_contacts
from contacts.models import Contact, ContactSyncSettings
from contacts.prefetch import prefetch
from contacts.push import start_push_after_sync
from jobs.models import Job
from jobs.runner import JobRunner
from tenants.scoping import get_for_tenant

log = logging.getLogger(__name__)

KIND = "contact_sync"


def overlap() -> timedelta:
    """Re-read a little before the high-water mark: CRM rows can commit with an older stamp."""
    return timedelta(seconds=settings.CONTACT_SYNC_OVERLAP_SECONDS)


def start_contact_sync(account: ConnectorAccount, *, full: bool = False) -> tuple[Job, bool]:
    """(job, created): the unfinished sync of this connector, or a new queued one."""
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
        job = ContactSync.enqueue(account.tenant_id, connector=account)
    return job, True


def start_due_syncs(now=None) -> int:
    """The syncs due by their per-connector interval (task contacts.schedule_contact_syncs)."""
    now = now or timezone.now()
    # Newly authorized connectors get their settings row (and so their first full import).
    for account in ConnectorAccount.objects.unscoped().usable().filter(contact_sync__isnull=True):
        ContactSyncSettings.for_connector(account)
    due = (
        ContactSyncSettings.objects.unscoped()
        .filter(  # the scheduler: every tenant
            Q(next_run_at__isnull=True) | Q(next_run_at__lte=now),
            enabled=True,
            connector__status=ConnectorStatus.AUTHORIZED,
        )
        .select_related("connector")
    )
    started = 0
    for st in due:
        _job, created = start_contact_sync(st.connector)
        started += created
    return started


def request_full_sync(account) -> None:
    """Mapped values live on every contact: a changed mapping re-imports them all next run."""
    ContactSyncSettings.for_connector(account)
    ContactSyncSettings.objects.for_tenant(account.tenant_id).filter(connector=account).update(
        full_sync_requested=True
    )


def run_contact_sync(job_id: int) -> None:
    """Claim, run and record one sync job (task contacts.run_contact_sync)."""
    ContactSync.handle(job_id)


class ContactSync(JobRunner):
    """One contact import of one connector (a `contact_sync` Job with `connector` set)."""

    kind = KIND
    task = "contacts.run_contact_sync"

    def failure(self, exc):
        if isinstance(exc, ConnectorError):
            return f"CRM error: {exc}", None
        return None

    def succeeded(self, result: dict) -> None:
        start_push_after_sync(self.job)

    def run(self) -> dict:
        self.account = get_for_tenant(
            ConnectorAccount, self.job.tenant_id, pk=self.job.connector_id
        )
        self.settings = ContactSyncSettings.for_connector(self.account)
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
        self.heartbeat(0, total)
        totals = {"fetched": 0, "upserted": 0, "deleted": 0, "skipped": 0}
        high = st.high_water_mark
        pages = connector.iter_contacts(modified_since=since, fields=sorted(mapping))
        # The prefetch thread may write (token refresh, API usage) on its own connection:
        # fine on PostgreSQL, but SQLite would lock the file (or the in-memory test DB).
        if settings.CONTACT_SYNC_PREFETCH:
            pages = prefetch(pages)
        for page in pages:
            stats = importer.apply(page)
            for key in totals:
                totals[key] += getattr(stats, key)
            if stats.max_modified and (high is None or stats.max_modified > high):
                high = stats.max_modified
            self.heartbeat(totals["fetched"], total)
            reset_queries()  # DEBUG keeps SQL text; do not let it grow with N
        if total != totals["fetched"]:  # the count was an estimate (or raced with changes)
            self.heartbeat(totals["fetched"], totals["fetched"])
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
        if not self.account.provider.can(Capability.COUNTS):
            return None
        try:
            return connector.count_contacts(modified_since=since)
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
                self.heartbeat(self.job.done, self.job.total)
        except NotImplementedError:
            return 0
        if not marked:  # the CRM listed none of ours: refuse a mass delete, keep the store
            log.warning(
                "reconcile of connector %s matched no contact; not sweeping", self.account.pk
            )
            return 0
        return self._sweep_unseen()
