"""Structured logs: one call event followed from the API request to the CRM request by its
request_id, the context carried through Celery headers, and secrets redacted."""

import io
import json
import logging

import pytest
import structlog
from celery import signals

from delivery import tasks
from portal import logcontext
from portal.logging import formatter, redact_text
from tests.calls.conftest import call_events
from tests.factories import authorized_salesforce

pytestmark = pytest.mark.simulator(contacts=5)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def json_logs():
    """Every log line of the test as production writes it (LOG_FORMAT=json), parsed."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    lines.text = lambda: stream.getvalue()
    yield lines
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_one_call_event_followed_from_the_api_to_the_crm(
    api, tenant, salesforce_sim, run_on_commit, json_logs
):
    account = authorized_salesforce(tenant, salesforce_sim)
    events = call_events("1WS.777", caller="+420601222333")
    response = run_on_commit(
        api.post, "/api/v1/call-events/", events[-1:], format="json", HTTP_X_REQUEST_ID="trace-77"
    )
    assert response.status_code == 202 and response["X-Request-ID"] == "trace-77"
    lines = [line for line in json_logs() if line.get("request_id") == "trace-77"]

    request = next(line for line in lines if line["event"] == "request")
    assert request["path"] == "/api/v1/call-events/" and request["status"] == 202
    assert request["tenant"] == "acme" and request["call_id"] == "1WS.777"
    assert request["event_id"] == events[-1]["event_id"] and request["level"] == "info"
    crm = [line for line in lines if line["event"] == "crm_request"]
    assert crm, "the CRM request of the delivery carries the API request's id"
    assert {line["connector_id"] for line in crm} == {account.pk}
    assert {line["connector_kind"] for line in crm} == {"salesforce"}
    assert all(line["tenant"] == "acme" and line["status"] == 200 for line in crm)
    assert all(line["host"].startswith("127.0.0.1") for line in crm)
    # inside the eager task: a new connector's first batch goes on the slow lane (its pace is
    # not known yet, delivery/admission.py)
    assert any(line.get("task") == "delivery.deliver_slow" for line in crm)


def test_a_request_id_is_made_when_the_client_sends_none_or_a_bad_one(api, tenant, json_logs):
    first = api.get("/api/v1/calls/")
    second = api.get("/api/v1/calls/", HTTP_X_REQUEST_ID='evil" injected\nline')
    assert len(first["X-Request-ID"]) == 32 and first["X-Request-ID"] != second["X-Request-ID"]
    assert "injected" not in second["X-Request-ID"] and "injected" not in json_logs.text()
    ids = {line["request_id"] for line in json_logs() if line["event"] == "request"}
    assert ids == {first["X-Request-ID"], second["X-Request-ID"]}
    assert not logcontext.context()  # nothing left bound after the request


def test_secrets_never_reach_the_json_logs(api, tenant, salesforce_sim, run_on_commit, json_logs):
    account = authorized_salesforce(tenant, salesforce_sim)
    run_on_commit(api.post, "/api/v1/call-events/", call_events("1WS.9"), format="json")
    api.get("/api/v1/calls/?access_token=query-secret-42")
    secret = account.credentials.get("client_secret") or account.credentials.get("password")
    access = account.token["access_token"]
    logging.getLogger("tests").warning(
        "calling with Authorization: Bearer %s and password=%s",
        access,
        "hunter2-pw",
        extra={"client_secret": secret, "payload": {"refresh_token": "rt-99", "ok": 1}},
    )
    structlog.get_logger("tests").info(
        "token dump",
        api_key=api.raw_key,
        headers={"Authorization": f"Bearer {api.raw_key}"},
        url=f"https://x.test/cb?token={access}&state=s",
        nested=[{"secret": "s-1"}],
    )
    text = json_logs.text()
    assert secret and access and "crm_request" in text  # there was something to leak
    for value in (secret, access, api.raw_key, "hunter2-pw", "rt-99", "s-1", "query-secret-42"):
        assert value not in text, value
    lines = json_logs()
    dump = next(line for line in lines if line["event"] == "token dump")
    assert dump["api_key"] == "[redacted]" and dump["headers"]["Authorization"] == "[redacted]"
    assert dump["url"] == "https://x.test/cb?token=[redacted]&state=s"
    warning = next(
        line for line in lines if line["logger"] == "tests" and line["level"] == "warning"
    )
    assert warning["payload"] == {"refresh_token": "[redacted]", "ok": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def-1", "Authorization: Bearer [redacted]"),
        ('{"client_secret": "s3", "n": 1}', '{"client_secret": "[redacted]", "n": 1}'),
        ("token refreshed for acme", "token refreshed for acme"),
        ("GET /x?access_token=abc&y=1", "GET /x?access_token=[redacted]&y=1"),
    ],
)
def test_redact_text(text, expected):
    assert redact_text(text) == expected


def test_the_context_travels_in_celery_headers(db):
    """A published task carries the bound context; the worker binds it, then forgets it."""
    logcontext.clear()
    logcontext.bind(request_id="r-1", tenant="acme", connector_id=5)
    headers = {}
    signals.before_task_publish.send(sender="calls.deliver", headers=headers, body=())
    assert headers[logcontext.TASK_HEADER] == {
        "request_id": "r-1",
        "tenant": "acme",
        "connector_id": 5,
    }
    logcontext.clear()  # the worker is another process: nothing bound there

    task = tasks.deliver
    task.push_request(
        id="t-1", is_eager=False, **{logcontext.TASK_HEADER: headers[logcontext.TASK_HEADER]}
    )
    try:
        signals.task_prerun.send(sender=task, task_id="t-1", task=task, args=(), kwargs={})
        assert logcontext.context() == {
            "request_id": "r-1",
            "tenant": "acme",
            "connector_id": 5,
            "task": "calls.deliver",
            "task_id": "t-1",
        }
        signals.task_postrun.send(sender=task, task_id="t-1", task=task)
        assert logcontext.context() == {}
    finally:
        task.pop_request()


def test_an_eager_task_keeps_and_restores_its_callers_context(db):
    logcontext.clear()
    logcontext.bind(request_id="r-2")
    task = tasks.deliver
    task.push_request(id="t-2", is_eager=True)
    try:
        signals.task_prerun.send(sender=task, task_id="t-2", task=task, args=(), kwargs={})
        assert logcontext.context() == {"request_id": "r-2", "task": "calls.deliver"}
        signals.task_postrun.send(sender=task, task_id="t-2", task=task)
        assert logcontext.context() == {"request_id": "r-2"}
    finally:
        task.pop_request()
        logcontext.clear()
