"""Alert transitions: one notification when a condition of a connector appears, one
"resolved" when it clears, nothing in between (however many evaluations see it).

The beat task `operations.evaluate_alerts` calls `evaluate()`. Each transition is claimed with a
conditional UPDATE (`active` flips only once), so two overlapping evaluations never notify
twice; the notification row is written in the same transaction and its sending rung after
commit (`operations.send_notification`, retried; `resend_stuck` re-rings lost ones).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from connectors.models import ConnectorAccount
from operations import conditions
from operations.models import AlertState, Channel, Condition, Event, Notification
from portal.celery import ring

log = logging.getLogger(__name__)

SEND_TASK = "operations.send_notification"
WHAT_TO_DO = {
    Condition.NEEDS_REAUTH: "Open Integrations and click Authorize on the connector.",
    Condition.DEAD_DELIVERY: (
        "Open Calls filtered by sync state 'dead', fix the cause shown on the call page "
        "and click Retry failed syncs."
    ),
    Condition.BACKLOG: (
        "Check the connector on Integrations (paused, rate-limited or erroring?) and the "
        "Calls dashboard's backlog."
    ),
    Condition.CONTACT_SYNC_FAILED: "Open Contacts > Sync to see the error and run it again.",
}


def describe(condition: str, detail: dict) -> str:
    if condition == Condition.DEAD_DELIVERY:
        return f"{detail.get('dead', 0)} deliveries gave up after their retries."
    if condition == Condition.BACKLOG:
        return (
            f"The oldest pending delivery is {detail.get('oldest_minutes')} minutes old "
            f"(alert threshold {detail.get('threshold_minutes')} minutes; "
            f"{detail.get('open')} waiting)."
        )
    if condition == Condition.CONTACT_SYNC_FAILED:
        return "The last contact sync failed."
    return "The CRM refused the stored login: the connector needs re-authorization."


def _link(path: str) -> str:
    return settings.PUBLIC_URL.rstrip("/") + path


def build_notification(state: AlertState, connector: ConnectorAccount, event: str) -> Notification:
    label = Condition(state.condition).label
    resolved = event == Event.RESOLVED
    subject = f"[{'Resolved' if resolved else 'Problem'}] {label}: {connector.name}"
    text = (
        "This has cleared; nothing to do." if resolved else describe(state.condition, state.detail)
    )
    body = f"{text}\n\n{'' if resolved else WHAT_TO_DO[state.condition]}".strip()
    body += f"\n\nConnector: {connector.name} ({connector.get_kind_display()})\n{_link('/')}"
    payload = {
        "type": f"alert.{event}",
        "timestamp": timezone.now().isoformat(),
        "data": {
            "tenant": connector.tenant.slug,
            "condition": state.condition,
            "status": event,
            "connector": {"id": connector.pk, "name": connector.name, "kind": connector.kind},
            "detail": state.detail,
            "summary": text,
            "opened_at": state.opened_at.isoformat() if state.opened_at else None,
            "url": _link("/"),
        },
    }
    return Notification(
        tenant_id=state.tenant_id,
        alert=state,
        event=event,
        subject=subject[:300],
        body=body,
        payload=payload,
    )


def _notify(state: AlertState, event: str) -> None:
    connector = (
        ConnectorAccount.objects.for_tenant(state.tenant_id)
        .select_related("tenant")
        .get(pk=state.connector_id)
    )
    notification = build_notification(state, connector, event)
    notification.save()
    ring(SEND_TASK, notification.pk)


def _open(tenant_id: int, connector_id: int, condition: str, detail: dict, now) -> bool:
    with transaction.atomic():
        state, _ = AlertState.objects.for_tenant(tenant_id).get_or_create(
            connector_id=connector_id, condition=condition, defaults={"tenant_id": tenant_id}
        )
        claimed = (
            AlertState.objects.for_tenant(tenant_id)
            .filter(pk=state.pk, active=False)
            .update(active=True, detail=detail, opened_at=now, cleared_at=None)
        )
        if not claimed:
            return False
        state.refresh_from_db()
        _notify(state, Event.FIRING)
    return True


def _clear(state: AlertState, now) -> bool:
    with transaction.atomic():
        claimed = (
            AlertState.objects.for_tenant(state.tenant_id)
            .filter(pk=state.pk, active=True)
            .update(active=False, cleared_at=now)
        )
        if not claimed:
            return False
        state.refresh_from_db()
        _notify(state, Event.RESOLVED)
    return True


def evaluate(now=None) -> dict:
    """Compare what is wrong now with the active alerts; notify the differences."""
    now = now or timezone.now()
    found = conditions.current(now)
    active = {
        (s.tenant_id, s.connector_id, s.condition): s
        for s in AlertState.objects.unscoped().filter(active=True)
    }
    opened = cleared = 0
    for key, detail in found.items():
        if key in active:
            if active[key].detail != detail:  # figures change; no new notification
                AlertState.objects.for_tenant(key[0]).filter(pk=active[key].pk).update(
                    detail=detail
                )
            continue
        opened += _open(*key, detail, now)
    for key, state in active.items():
        if key not in found:
            cleared += _clear(state, now)
    resent = resend_stuck(now)
    result = {"active": len(found), "opened": opened, "cleared": cleared, "resent": resent}
    if opened or cleared:
        log.info("alerts evaluated", extra=result)
    return result


def resend_stuck(now, older_than=timedelta(minutes=30), max_age=timedelta(days=1)) -> int:
    """Ring again notifications whose sending never finished (a lost message, a worker that
    died between retries); give up on them after a day. 30 minutes: after the task's own
    retries (about 16 minutes in all), so a row is never sent by two tasks at once."""
    stuck = (
        Notification.objects.unscoped()
        .filter(created_at__lt=now - older_than, created_at__gte=now - max_age)
        .filter(email_state=Channel.PENDING)
        .values_list("pk", flat=True)
    )
    stuck_hooks = (
        Notification.objects.unscoped()
        .filter(created_at__lt=now - older_than, created_at__gte=now - max_age)
        .filter(webhook_state=Channel.PENDING)
        .values_list("pk", flat=True)
    )
    ids = set(stuck[:100]) | set(stuck_hooks[:100])
    for pk in sorted(ids):
        ring(SEND_TASK, pk)
    return len(ids)
