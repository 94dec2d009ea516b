"""Sending one notification: e-mail to the tenant's recipients and, when configured, a signed
webhook (Standard Webhooks, `standardwebhooks`: headers webhook-id / webhook-timestamp /
webhook-signature over "{id}.{timestamp}.{body}").

The webhook URL is tenant input: it goes through the outbound seam (portal.http), so the
address policy applies at connect time (and it was checked at save time, portal.urlpolicy).
Each channel records its own outcome on the row: a retry sends only what has not gone out,
with the same webhook-id (receivers deduplicate on it).
"""

import json
import logging
from datetime import UTC, datetime

from django.core.mail import send_mail
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from operations.models import Channel, Notification, NotificationSettings
from portal import http
from portal.errors import HttpError
from tenants.models import Membership, Role

log = logging.getLogger(__name__)


class SendFailed(Exception):
    """A channel failed transiently: the task retries (the other channel's outcome is kept)."""


def recipients(config: NotificationSettings) -> list[str]:
    """The configured addresses, else every admin of the tenant."""
    listed = config.recipient_list()
    if listed:
        return listed
    admins = Membership.objects.filter(tenant_id=config.tenant_id, role=Role.ADMIN)
    return sorted(set(admins.exclude(user__email="").values_list("user__email", flat=True)))


def signed_headers(secret: str, msg_id: str, body: str, when: datetime | None = None) -> dict:
    when = when or datetime.now(UTC)
    signature = Webhook(secret).sign(msg_id, when, body)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": signature,
        "user-agent": "ccportal-alerts/1",
    }


def post_webhook(config: NotificationSettings, notification: Notification, retries=None) -> None:
    """POST the payload, signed. Raises HttpError (permanent or not) on failure."""
    body = json.dumps(notification.payload, separators=(",", ":"), sort_keys=True)
    headers = signed_headers(config.webhook_secret, notification.msg_id, body)
    http.request(
        "POST",
        config.webhook_url,
        data=body.encode(),
        headers=headers,
        kind="webhook",
        retries=retries,
    )


def send(notification_id: int) -> Notification | None:
    """Send what has not gone out yet. Raises SendFailed when a channel should be retried."""
    notification = Notification.objects.unscoped().filter(pk=notification_id).first()
    if notification is None or notification.done:
        return notification
    config = NotificationSettings.for_tenant(notification.tenant_id)
    errors = []
    notification.attempts += 1
    if notification.email_state == Channel.PENDING:
        to = recipients(config) if config.email_enabled else []
        if not to:
            notification.email_state = Channel.OFF
        else:
            try:
                send_mail(notification.subject, notification.body, None, to)
                notification.email_state = Channel.SENT
            except Exception as exc:  # SMTP down, refused: retried
                errors.append(f"e-mail: {type(exc).__name__}: {exc}")
    if notification.webhook_state == Channel.PENDING:
        if not (config.webhook_url and config.webhook_secret):
            notification.webhook_state = Channel.OFF
        else:
            try:
                post_webhook(config, notification)
                notification.webhook_state = Channel.SENT
            except HttpError as exc:
                errors.append(f"webhook: {exc.message}")
                if exc.permanent:
                    notification.webhook_state = Channel.FAILED
    notification.last_error = "\n".join(errors)[:2000]
    if notification.done:
        notification.sent_at = timezone.now()
    notification.save(
        update_fields=["email_state", "webhook_state", "attempts", "last_error", "sent_at"]
    )
    if not notification.done:
        raise SendFailed(notification.last_error)
    if errors:
        log.warning("notification %s: %s", notification.pk, notification.last_error)
    return notification


def mark_given_up(notification_id: int) -> None:
    """The task ran out of retries: what is still pending failed."""
    rows = Notification.objects.unscoped().filter(pk=notification_id)
    rows.filter(email_state=Channel.PENDING).update(email_state=Channel.FAILED)
    rows.filter(webhook_state=Channel.PENDING).update(webhook_state=Channel.FAILED)


def send_test(config: NotificationSettings) -> list[str]:
    """The settings page's "send test": both channels now, inline (no retries); what happened,
    in sentences for the admin."""
    outcome = []
    test = Notification(
        tenant_id=config.tenant_id,
        event="test",
        subject="[Test] Portal alerts are set up",
        body="This is a test of the portal's alert notifications. Nothing is wrong.",
        payload={
            "type": "alert.test",
            "timestamp": timezone.now().isoformat(),
            "data": {"status": "test", "summary": "A test notification."},
        },
    )
    test.save()
    to = recipients(config) if config.email_enabled else []
    if to:
        try:
            send_mail(test.subject, test.body, None, to)
            test.email_state = Channel.SENT
            outcome.append(f"E-mail sent to {', '.join(to)}.")
        except Exception as exc:
            test.email_state = Channel.FAILED
            outcome.append(f"E-mail failed: {type(exc).__name__}.")
    else:
        test.email_state = Channel.OFF
        outcome.append("E-mail is off (or nobody to send to).")
    if config.webhook_url and config.webhook_secret:
        try:
            post_webhook(config, test, retries=0)
            test.webhook_state = Channel.SENT
            outcome.append("Webhook delivered (2xx).")
        except HttpError as exc:
            test.webhook_state = Channel.FAILED
            test.last_error = exc.message[:2000]
            outcome.append(f"Webhook failed: {exc.message}")
    else:
        test.webhook_state = Channel.OFF
        outcome.append("No webhook configured.")
    test.sent_at = timezone.now()
    test.save()
    return outcome
