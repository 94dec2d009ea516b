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
    try:
        notify.send(notification_id)
    except notify.SendFailed as exc:
        if self.request.retries >= self.max_retries:
            notify.mark_given_up(notification_id)
            return
        raise self.retry(exc=exc, countdown=min(600, 15 * 2**self.request.retries))


@shared_task(
    name="operations.purge_expired",
    autoretry_for=(DatabaseError,),
    retry_backoff=30,
    max_retries=3,
)
def purge_expired() -> dict:
    return retention.purge_all()
