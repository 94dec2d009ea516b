"""Celery tasks of operations: the alert evaluation and the purge (beat), notification sending."""

from celery import shared_task
from django.db import DatabaseError

from operations import alerts, notify, retention


@shared_task(
    name="operations.evaluate_alerts",
    autoretry_for=(DatabaseError,),
    retry_backoff=5,
    max_retries=3,
)
def evaluate_alerts() -> dict:
    return alerts.evaluate()


@shared_task(name="operations.send_notification", bind=True, max_retries=6)
def send_notification(self, notification_id: int) -> None:
    """Send; a transient failure is retried with backoff (15 s doubling, at most 10 min), only
    for the channel that failed. Eager (tests, CELERY_TASK_ALWAYS_EAGER): retried at once."""
    retries = self.request.retries
    while True:
        try:
            notify.send(notification_id)
            return
        except notify.SendFailed as exc:
            if retries >= self.max_retries:
                notify.mark_given_up(notification_id)
                return
            if not self.request.is_eager:
                raise self.retry(exc=exc, countdown=min(600, 15 * 2**retries))
            retries += 1


@shared_task(
    name="operations.purge_expired",
    autoretry_for=(DatabaseError,),
    retry_backoff=30,
    max_retries=3,
)
def purge_expired() -> dict:
    return retention.purge_all()
