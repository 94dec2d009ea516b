"""Standard Webhooks v1 verification for inbound call events (https://www.standardwebhooks.com/).

Signed content is "{webhook-id}.{webhook-timestamp}.{raw body}"; `webhook-signature` is a
space-separated list of "v1,<base64 HMAC-SHA256>" so a sender can sign with the old and the
new secret while rotating. Secrets look like "whsec_<base64 key>". Comparison is constant time.
"""

import base64
import hashlib
import hmac
import secrets
import time

from calls.models import WebhookSecret
from calls.models.signing import ACTIVE_SECRETS as _secrets

TOLERANCE_SECONDS = 5 * 60
PREFIX = "whsec_"


class SignatureError(Exception):
    """Why a request's signature was rejected (shown to the caller in the 401)."""


def generate_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    raw = secret[len(PREFIX) :] if secret.startswith(PREFIX) else secret
    return base64.b64decode(raw)


def sign(secret: str, msg_id: str, timestamp: int | str, body: bytes) -> str:
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secrets_: list[str], headers, body: bytes, now: float | None = None) -> str:
    """Return the webhook-id when one signature matches one active secret, else raise."""
    msg_id = headers.get("webhook-id") or ""
    stamp = headers.get("webhook-timestamp") or ""
    signature = headers.get("webhook-signature") or ""
    if not (msg_id and stamp and signature):
        raise SignatureError(
            "This tenant requires signed requests: send webhook-id, webhook-timestamp and "
            "webhook-signature (Standard Webhooks v1)."
        )
    try:
        ts = int(stamp)
    except ValueError:
        raise SignatureError("webhook-timestamp must be unix seconds.")
    now = time.time() if now is None else now
    if abs(now - ts) > TOLERANCE_SECONDS:
        raise SignatureError("webhook-timestamp is more than 5 minutes off: check the clock.")
    offered = [
        part.split(",", 1)[1].encode()
        for part in signature.split()
        if part.startswith("v1,") and "," in part
    ]
    matched = False
    for secret in secrets_:
        try:
            expected = sign(secret, msg_id, ts, body).split(",", 1)[1].encode()
        except (ValueError, TypeError):
            continue
        for candidate in offered:
            matched |= hmac.compare_digest(expected, candidate)  # no early exit
    if not matched:
        raise SignatureError("webhook-signature does not match any active signing secret.")
    return msg_id


CACHE_SECONDS = _secrets.seconds


def active_secrets(tenant) -> list[str]:
    """The tenant's active secrets, cached for CACHE_SECONDS (the ingest endpoint is hot; a
    secret generated or retired here takes effect at once, elsewhere within that time)."""
    return _secrets.get(
        tenant.pk, lambda: [s.secret for s in WebhookSecret.objects.for_tenant(tenant).active()]
    )


def forget(tenant) -> None:
    _secrets.forget(getattr(tenant, "pk", tenant))


def check_request(tenant, request) -> None:
    """Raise SignatureError when the tenant enabled signing and the request is not signed."""
    keys = active_secrets(tenant)
    if keys:
        verify(keys, request.headers, request.body)


def create_secret(tenant, label: str = "") -> tuple[WebhookSecret, str]:
    """A new active secret; the raw value is returned to show once."""
    raw = generate_secret()
    obj = WebhookSecret(tenant=tenant, label=label[:100], prefix=raw[:12])
    obj.secret = raw
    obj.save()
    forget(tenant)
    return obj, raw
