import json
import time

import pytest

from calls import signing
from calls.models import CallEvent, WebhookSecret
from tests.calls.conftest import event

URL = "/api/v1/call-events/"


def post_signed(api, body: bytes, secrets, msg_id="msg_1", ts=None, extra_sig=""):
    ts = int(time.time()) if ts is None else ts
    sigs = " ".join(signing.sign(s, msg_id, ts, body) for s in secrets)
    headers = {
        "HTTP_WEBHOOK_ID": msg_id,
        "HTTP_WEBHOOK_TIMESTAMP": str(ts),
        "HTTP_WEBHOOK_SIGNATURE": (extra_sig + " " + sigs).strip(),
    }
    return api.generic("POST", URL, body, content_type="application/json", **headers)


@pytest.fixture
def secret(tenant):
    _obj, raw = signing.create_secret(tenant, "pbx")
    return raw


def body():
    return json.dumps(event("S1", "ringing")).encode()


def test_secret_is_stored_encrypted(tenant, secret):
    obj = WebhookSecret.objects.get(tenant=tenant)
    stored = (
        WebhookSecret.objects.unscoped().filter(pk=obj.pk).values_list("secret", flat=True).get()
    )
    assert secret.startswith("whsec_") and secret not in stored and obj.secret == secret


def test_unsigned_request_is_401_when_signing_enabled(api, secret):
    response = api.post(URL, event("S1", "ringing"), format="json")
    assert response.status_code == 401
    assert "requires signed requests" in response.json()["error"]["message"]
    assert CallEvent.objects.unscoped().count() == 0


def test_unsigned_is_fine_without_secrets(api, tenant):
    assert api.post(URL, event("S1", "ringing"), format="json").status_code == 202


def test_valid_signature_is_accepted(api, secret):
    assert post_signed(api, body(), [secret]).status_code == 202


def test_wrong_signature_or_tampered_body_is_401(api, secret):
    other = signing.generate_secret()
    assert post_signed(api, body(), [other]).status_code == 401
    signed = signing.sign(secret, "msg_1", int(time.time()), body())
    tampered = body().replace(b"S1", b"S2")
    response = api.generic(
        "POST",
        URL,
        tampered,
        content_type="application/json",
        HTTP_WEBHOOK_ID="msg_1",
        HTTP_WEBHOOK_TIMESTAMP=str(int(time.time())),
        HTTP_WEBHOOK_SIGNATURE=signed,
    )
    assert response.status_code == 401
    assert "does not match" in response.json()["error"]["message"]


@pytest.mark.parametrize("offset", [-301, 301])
def test_timestamp_outside_tolerance_is_401(api, secret, offset):
    response = post_signed(api, body(), [secret], ts=int(time.time()) + offset)
    assert response.status_code == 401 and "5 minutes" in response.json()["error"]["message"]


def test_rotation_old_and_new_secret_both_work_until_retired(api, tenant, secret):
    new_obj, new = signing.create_secret(tenant, "new")
    assert post_signed(api, body(), [secret]).status_code == 202
    assert post_signed(api, body(), [new], msg_id="m2").status_code == 202
    # the sender signs with both during the switch; a foreign v1 entry is ignored
    assert post_signed(api, body(), [secret, new], extra_sig="v1,AAAA").status_code == 202
    WebhookSecret.objects.unscoped().exclude(pk=new_obj.pk).get().retire()
    assert post_signed(api, body(), [secret]).status_code == 401
    assert post_signed(api, body(), [new]).status_code == 202


def test_verify_known_vector():
    """Standard Webhooks reference values (github.com/standard-webhooks/standard-webhooks)."""
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    payload = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert signing.sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, payload) == expected
    headers = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": expected,
    }
    assert signing.verify([secret], headers, payload, now=1614265330 + 10)
