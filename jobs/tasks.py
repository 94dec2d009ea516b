"""Celery tasks of the jobs app: the one sweeper of lost jobs (CELERY_BEAT_SCHEDULE, 60 s)."""

from celery import shared_task

from jobs.sweeper import sweep_stale_jobs


@shared_task(name="jobs.sweep")
def sweep() -> dict:
    return sweep_stale_jobs()
