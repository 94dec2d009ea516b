"""Contact import: starting a run (one per connector at a time) and running it.

* `start_contact_sync(account)` locks the connector's ContactSyncSettings row (SELECT ... FOR
  UPDATE) and creates a Job only when no unfinished contact_sync job exists for it; a second
  request gets the running job back. The Celery task is rung on commit (a doorbell, by name).
* `run_contact_sync(job_id)` runs the `ContactSync` job runner (jobs/runner.py: claim, heartbeat,
  finish, lost claim): for each record type imported (`imported_types`: the matching policy's
  `objects` the CRM supports) it imports page by page (full the first time, then incremental
  from that type's high-water mark of CRM modified times), sweeps that type's deletes, and
  records the outcome on the Job row; the progress total sums the per-type counts. Every page heartbeats the job; a worker that lost its claim (the sweeper, jobs/sweeper.py,
  re-queued the job) stops. A finished sync starts the push to the contact centers.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import reset_queries, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from connectors.capabilities import Capability
from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount, ConnectorStatus
from connectors.types import CONTACT
from contacts import metadata
from contacts.importer import Importer, delete_contacts
from contacts.models import Contact, ContactSyncSettings, MatchingPolicy
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


def imported_types(account) -> list[str]:
    """The record types imported for a connector: its policy's `objects` (in that order) that
    the CRM supports; contacts when that leaves none."""
    supported = account.provider.record_types
    wanted = MatchingPolicy.for_connector(account).objects_order or []
    types = [t for t in dict.fromkeys(wanted) if t in supported]
    return types or [t for t in supported[:1]]


def read_marks(st: ContactSyncSettings) -> dict:
    """{record type: datetime} from the settings row (an unreadable mark reads that type in
    full); a row from before record types has only the single mark: the contacts'."""
    marks = {}
    for record_type, value in (st.high_water_marks or {}).items():
        when = parse_datetime(str(value)) if value else None
        if when is not None:
            marks[record_type] = when
    if not st.high_water_marks and st.high_water_mark is not None:
        marks[CONTACT] = st.high_water_mark
    return marks


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
        marks = read_marks(st)
        full = st.full_sync_requested or not marks
        # Per type: None = a full read (the first run, a requested one, a type newly added).
        plan = {
            t: None if full or t not in marks else marks[t] - overlap()
            for t in imported_types(account)
        }
        mappings = metadata.check_all_mappings(account)
        region = MatchingPolicy.for_connector(account).region_for(account.tenant)
        connector = account.connector
        counts = [self._count(connector, since, t) for t, since in plan.items()]
        total = None if None in counts else sum(counts)
        self.heartbeat(0, total)
        totals = {"fetched": 0, "upserted": 0, "deleted": 0, "skipped": 0}
        per_type, reconciled = {}, False
        for record_type, since in plan.items():
            mapping = mappings.get(account.provider.crm_object(record_type).lower(), {})
            importer = Importer(account, region=region, mapping=mapping, mark=self.job.pk)
            pages = connector.iter_contacts(
                modified_since=since, fields=sorted(mapping), record_type=record_type
            )
            got = self._import(importer, pages, totals, total)
            if since is None and got["fetched"]:  # an empty answer never wipes the store
                got["deleted"] += self._sweep_unseen(record_type)
                reconciled = True
            elif since is not None and st.reconcile_due(now):
                got["deleted"] += self._reconcile(connector, record_type)
                reconciled = True
            totals["deleted"] += got["deleted"]
            if got["high"] or record_type in marks:
                marks[record_type] = max(m for m in (got["high"], marks.get(record_type)) if m)
            per_type[record_type] = {
                "mode": "incremental" if since else "full",
                "modified_since": since.isoformat() if since else None,
                **{k: got[k] for k in ("fetched", "upserted", "deleted")},
            }
        if total != totals["fetched"]:  # the count was an estimate (or raced with changes)
            self.heartbeat(totals["fetched"], totals["fetched"])
        # Marks of types no longer imported are dropped: adding one back reads it in full.
        st.high_water_marks = {t: marks[t].isoformat() for t in plan if t in marks}
        st.high_water_mark = max((marks[t] for t in plan if t in marks), default=None)
        st.full_sync_requested = False
        st.last_full_sync_at = now if full else st.last_full_sync_at
        st.last_reconciled_at = now if reconciled else st.last_reconciled_at
        st.save()
        since_contact = plan.get(CONTACT)
        return {
            "mode": "full" if full else "incremental",
            "modified_since": since_contact.isoformat() if since_contact else None,
            "high_water_mark": st.high_water_mark.isoformat() if st.high_water_mark else None,
            "reconciled": reconciled,
            "mapped_fields": sorted({f for m in mappings.values() for f in m}),
            "types": per_type,
            **totals,
        }

    def _import(self, importer, pages, totals: dict, total) -> dict:
        """Apply the pages of one record type; adds to the run's totals, returns the type's."""
        got = {"fetched": 0, "upserted": 0, "deleted": 0, "high": None}
        # The prefetch thread may write (token refresh, API usage) on its own connection:
        # fine on PostgreSQL, but SQLite would lock the file (or the in-memory test DB).
        if settings.CONTACT_SYNC_PREFETCH:
            pages = prefetch(pages)
        for page in pages:
            stats = importer.apply(page)
            for key in ("fetched", "upserted", "skipped"):
                totals[key] += getattr(stats, key)
            for key in ("fetched", "upserted", "deleted"):
                got[key] += getattr(stats, key)
            if stats.max_modified and (got["high"] is None or stats.max_modified > got["high"]):
                got["high"] = stats.max_modified
            self.heartbeat(totals["fetched"], total)
            reset_queries()  # DEBUG keeps SQL text; do not let it grow with N
        return got

    def _count(self, connector, since, record_type: str = CONTACT) -> int | None:
        if not self.account.provider.can(Capability.COUNTS):
            return None
        try:
            return connector.count_contacts(modified_since=since, record_type=record_type)
        except (ConnectorError, NotImplementedError):
            return None

    def _sweep_unseen(self, record_type: str) -> int:
        """After a full read of a type: its records the CRM no longer lists were deleted or
        merged."""
        stale = (
            Contact.objects.for_tenant(self.account.tenant_id)
            .filter(connector=self.account, type=record_type)
            .exclude(seen_mark=self.job.pk)
        )
        return delete_contacts(stale)

    def _reconcile(self, connector, record_type: str) -> int:
        """Mark every id of the type the CRM still has, then sweep the rest of that type
        (memory flat: pages of ids)."""
        try:
            pages = connector.iter_contact_ids(record_type=record_type)
            marked = 0
            for ids in pages:
                marked += (
                    Contact.objects.for_tenant(self.account.tenant_id)
                    .filter(connector=self.account, type=record_type, crm_id__in=ids)
                    .update(seen_mark=self.job.pk)
                )
                self.heartbeat(self.job.done, self.job.total)
        except NotImplementedError:
            return 0
        if not marked:  # the CRM listed none of ours: refuse a mass delete, keep the store
            log.warning(
                "reconcile of connector %s matched no %s; not sweeping",
                self.account.pk,
                record_type,
            )
            return 0
        return self._sweep_unseen(record_type)
