"""The cheaper request-line path (portal.logging): the same lines, secrets still redacted, the
record left untouched for other handlers, exceptions rendered, json.dumps when orjson refuses."""

import io
import json
import logging

import pytest
import structlog

from portal import logging as portal_logging
from portal.logging import REDACTED, StructuredFormatter, formatter


@pytest.fixture
def lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):  # another handler after ours, as pytest's caplog is
        def emit(self, record):
            seen.append(record)

    root = logging.getLogger()
    old_level = root.level
    keep = Keep()
    root.addHandler(handler)
    root.addHandler(keep)
    root.setLevel(logging.INFO)

    def parsed() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    parsed.records = seen
    yield parsed
    root.removeHandler(handler)
    root.removeHandler(keep)
    root.setLevel(old_level)


def test_the_formatter_is_the_fast_one():
    assert isinstance(formatter("json"), StructuredFormatter)
    assert logging._srcfile is None  # no caller lookup per record (configure_structlog)


def test_a_request_line_with_context_and_secrets(lines):
    structlog.contextvars.bind_contextvars(request_id="r-9", tenant="acme")
    try:
        structlog.get_logger("portal.request").bind().info(
            "request",
            method="POST",
            path="/api/v1/call-events/",
            status=202,
            duration_ms=1.5,
            ok=True,
            nothing=None,
            note="retried with Authorization: Bearer abc.def and password=pw-1",
            access_token="tok-1",
            query="GET /x?token=t-2&y=1",
            nested={"client_secret": "cs-1", "n": 3, "list": ["Bearer b-1", 7]},
        )
    finally:
        structlog.contextvars.clear_contextvars()
    (line,) = [x for x in lines() if x["event"] == "request"]
    assert line["request_id"] == "r-9" and line["tenant"] == "acme" and line["level"] == "info"
    assert line["status"] == 202 and line["duration_ms"] == 1.5 and line["ok"] is True
    assert line["nothing"] is None and line["path"] == "/api/v1/call-events/"
    assert line["logger"] == "portal.request" and line["timestamp"].endswith("Z")
    assert line["access_token"] == REDACTED
    assert line["note"] == f"retried with Authorization: Bearer {REDACTED} and password={REDACTED}"
    assert line["query"] == f"GET /x?token={REDACTED}&y=1"
    assert line["nested"] == {"client_secret": REDACTED, "n": 3, "list": [f"Bearer {REDACTED}", 7]}
    for secret in ("abc.def", "pw-1", "tok-1", "t-2", "cs-1", "b-1"):
        assert secret not in json.dumps(line)
    # The next handler sees the record as structlog made it (not rewritten into text).
    record = next(r for r in lines.records if isinstance(r.msg, dict))
    assert record.msg["event"] == "request" and record.msg["access_token"] == "tok-1"


def test_an_exception_is_rendered(lines):
    log = structlog.get_logger("tests")
    try:
        raise ValueError("boom 42")
    except ValueError:
        log.exception("failed", call_id="c-1")
        logging.getLogger("tests.stdlib").exception("stdlib failed")
    by_event = {x["event"]: x for x in lines()}
    assert "ValueError: boom 42" in by_event["failed"]["exception"]
    assert by_event["failed"]["call_id"] == "c-1" and by_event["failed"]["level"] == "error"
    assert "ValueError: boom 42" in by_event["stdlib failed"]["exception"]


def test_values_orjson_refuses_fall_back_to_json(lines):
    structlog.get_logger("tests").info("big", n=2**70, keys={1: "a", None: "b"}, obj=object())
    (line,) = [x for x in lines() if x["event"] == "big"]
    assert line["n"] == 2**70 and line["keys"]["1"] == "a" and line["obj"].startswith("<object")


def test_orjson_renders_when_installed():
    if portal_logging.orjson is None:
        pytest.skip("orjson not installed (a pyproject dependency)")
    out = portal_logging._dumps({"event": "x", "n": 1, "é": "ü"})
    assert json.loads(out) == {"event": "x", "n": 1, "é": "ü"}
