"""Celery tasks of the contacts app. Each takes an id; the Job row holds the truth.

`contacts.store_found` stores what a live search found for routing (contacts/found.py).
`contacts.schedule_contact_syncs` runs every minute (CELERY_BEAT_SCHEDULE): it starts the syncs
that are due (per-connector interval, ContactSyncSettings). Jobs whose worker died or whose
doorbell was lost are found by the one job sweeper, `jobs.sweep` (jobs/sweeper.py).
"""

from celery import shared_task

from connectors.models import ConnectorAccount
from contacts import found
from contacts.lookup import store_found
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


@shared_task(name="contacts.store_found")
def store_found_task(connector_id: int, number: str, records: list[dict]) -> int:
    """Upsert records a live search found (routing answered from them already): the next
    lookup of the number is local. The cached copy is left to expire: a lookup that missed the
    store just before this commit still finds it there, and asks no CRM (found.py)."""
    account = ConnectorAccount.objects.unscoped().filter(pk=connector_id).first()
    if account is None:  # deleted meanwhile: nothing to store into
        found.forget(connector_id, number)
        return 0
    try:
        return len(store_found(account, found.deserialize(records)))
    except Exception:
        found.forget(connector_id, number)  # the next lookup asks again and stores inline
        raise


@shared_task(name="contacts.store_found_many")
def store_found_many_task(connector_id: int, items: dict[str, list[dict]]) -> int:
    """`contacts.store_found` for many numbers at once ({number: records}, merged by the web
    process, found.py): one upsert for all of them."""
    account = ConnectorAccount.objects.unscoped().filter(pk=connector_id).first()
    if account is None:
        for number in items:
            found.forget(connector_id, number)
        return 0
    records = {}  # one record found under two numbers is stored once
    for rows in items.values():
        for record in found.deserialize(rows):
            records[(record.type, record.crm_id)] = record
    try:
        return len(store_found(account, list(records.values())))
    except Exception:
        for number in items:
            found.forget(connector_id, number)
        raise
