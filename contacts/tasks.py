"""Celery tasks of the contacts app. Each takes an id; the Job row holds the truth.

`contacts.schedule_contact_syncs` runs every minute (CELERY_BEAT_SCHEDULE): it starts the syncs
that are due (per-connector interval, ContactSyncSettings). Jobs whose worker died or whose
doorbell was lost are found by the one job sweeper, `jobs.sweep` (jobs/sweeper.py).
"""

from celery import shared_task

from contacts.push import run_contact_push
from contacts.sync import run_contact_sync, start_due_syncs


@shared_task(name="contacts.run_contact_sync")
def run_contact_sync_task(job_id: int) -> None:
    run_contact_sync(job_id)


@shared_task(name="contacts.run_contact_push")
def run_contact_push_task(job_id: int) -> None:
    run_contact_push(job_id)


@shared_task(name="contacts.schedule_contact_syncs")
def schedule_contact_syncs() -> dict:
    return {"started": start_due_syncs()}
