"""Dynamics 365 error paths over real HTTPS: service protection 429, 5xx, malformed bodies,
timeouts, 401/403, and a garbled $batch reply."""

import time
from datetime import UTC, datetime

import pytest

from connectors.errors import AuthError, ConnectorError
from connectors.types import CallLog
from tests.connectors import test_dynamics_support as support

account = support.account  # fixture
dyn = support.dyn  # fixture
sim = support.sim  # fixture
_running_sim = support._running_sim  # fixture

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_short_retry_after_is_waited_out_inline(dyn, sim):
    sim.request_limit, sim.limit_window = 2, 1.0  # service protection: 2 requests a second
    sim._recent.clear()
    started = time.monotonic()
    for _ in range(3):
        assert len(dyn.list_queues()) == 4
    assert sim.throttled >= 1  # the third call got 429 + Retry-After: 1 ...
    assert time.monotonic() - started >= 0.5  # ... and the seam waited, then retried


def test_long_retry_after_becomes_a_transient_error(dyn, sim):
    sim.request_limit, sim.limit_window = 1, 120.0
    sim._recent.clear()
    dyn.list_queues()
    with pytest.raises(ConnectorError) as caught:
        dyn.list_queues()
    err = caught.value
    assert not err.permanent and err.status == 429
    assert 110 <= err.retry_after <= 120
    assert "service protection" in str(err)


def test_500_with_dataverse_error_body_is_transient_with_its_message(dyn, sim):
    body = {"error": {"code": "0x80040216", "message": "An unexpected error occurred."}}
    sim.fail_next(status=500, body=body, path="/api/data/v9.2/queues")
    with pytest.raises(ConnectorError) as caught:
        dyn.list_queues()
    assert not caught.value.permanent
    assert "0x80040216" in str(caught.value) and "unexpected error" in str(caught.value)


def test_503_is_retried_then_succeeds(dyn, sim):
    sim.fail_next(status=503, times=2, body="busy", path="/api/data/v9.2/systemusers")
    assert len(dyn.list_users()) == 7


def test_persistent_503_is_a_transient_error(dyn, sim):
    sim.fail_next(status=503, times=5, body="busy", path="/api/data/v9.2/systemusers")
    with pytest.raises(ConnectorError) as caught:
        dyn.list_users()
    assert not caught.value.permanent and caught.value.status == 503


def test_malformed_json_is_a_transient_error(dyn, sim):
    sim.fail_next(status=200, raw=b"<html>Service Unavailable</html>", path="WhoAmI")
    with pytest.raises(ConnectorError) as caught:
        dyn.test_connection()
    assert not caught.value.permanent and "Malformed JSON" in str(caught.value)


def test_timeout_is_a_transient_error(dyn, sim, settings):
    settings.HTTP_TIMEOUT_READ = 0.3
    settings.HTTP_RETRIES = 0
    sim.fail_next(status=200, delay=1.0, body={"value": []}, path="/api/data/v9.2/queues")
    with pytest.raises(ConnectorError) as caught:
        dyn.list_queues()
    assert not caught.value.permanent and "timed out" in str(caught.value)


def test_token_endpoint_outage_is_transient_not_reauth(dyn, sim, account):
    sim.expire_tokens()
    sim.fail_next(status=503, times=5, body="down", path="/oauth2/v2.0/token")
    with pytest.raises(ConnectorError) as caught:
        dyn.list_queues()
    assert not caught.value.permanent and not isinstance(caught.value, AuthError)
    account.refresh_from_db()
    assert account.status == "authorized"


def test_401_after_refresh_gives_up_after_one_retry(dyn, sim):
    requested = sim.token_requests
    sim.fail_next(status=401, times=2, body=None, path="/api/data/v9.2/")
    with pytest.raises(AuthError):
        dyn.list_users()
    assert sim.token_requests == requested + 1  # refreshed exactly once


def test_403_privilege_error_is_permanent_and_explains_roles(dyn, sim):
    body = {
        "error": {
            "code": "0x80040220",
            "message": "Principal user is missing prvReadContact privilege.",
        }
    }
    sim.fail_next(status=403, body=body, path="/api/data/v9.2/contacts")
    with pytest.raises(ConnectorError) as caught:
        list(dyn.iter_contacts())
    assert caught.value.permanent
    assert "prvReadContact" in str(caught.value) and "security role" in str(caught.value)


def test_garbled_batch_reply_marks_every_call_for_retry(dyn, sim):
    sim.fail_next(
        status=200,
        raw=b"not a multipart body",
        headers={"Content-Type": "multipart/mixed; boundary=batchresponse_x"},
        path="$batch",
    )
    results = dyn.log_calls(
        [
            CallLog(
                key=f"acme:g{i}",
                direction="in",
                phone="+420773794804",
                started_at=T0,
                ended_at=None,
                duration_seconds=5,
                subject="Call",
            )
            for i in range(2)
        ]
    )
    assert [r.ok for r in results] == [False, False]
    assert not any(r.permanent for r in results)
