"""portal.http.deadline(): a context-local time budget for every request inside it (the live
caller lookup), over real HTTP against a simulator."""

import contextvars
import threading
import time

import pytest

from portal import http
from portal.errors import HttpError
from simulators.salesforce import SalesforceSimulator


@pytest.fixture
def sim(start_simulator):
    return start_simulator(SalesforceSimulator)


def test_a_slow_answer_times_out_at_the_deadline_without_retries(sim, settings):
    settings.HTTP_RETRIES = 3
    sim.latency = 2.0
    started = time.monotonic()
    with http.deadline(0.3), pytest.raises(HttpError, match="timed out"):
        http.request("GET", f"{sim.url}/services/data/")
    assert time.monotonic() - started < 0.3 + 0.3
    assert len(sim.requests) == 1  # a retry would not end before the deadline


def test_no_inline_retry_after_wait_past_the_deadline(sim):
    sim.fail_next(status=503, headers={"Retry-After": "1"})
    with http.deadline(0.5), pytest.raises(HttpError) as caught:
        http.request("GET", f"{sim.url}/services/data/")
    assert caught.value.status == 503 and len(sim.requests) == 1


def test_retries_that_fit_in_the_deadline_still_happen(sim):
    sim.fail_next(status=503, headers={"Retry-After": "0"})
    with http.deadline(5):
        assert http.request("GET", f"{sim.url}/services/data/").status_code == 200
    assert len(sim.requests) == 2


def test_a_passed_deadline_sends_nothing(sim):
    with http.deadline(0.0), pytest.raises(HttpError, match="deadline"):
        http.request("GET", f"{sim.url}/services/data/")
    assert sim.requests == []


def test_a_nested_deadline_never_extends_the_outer_one():
    with http.deadline(0.2), http.deadline(60):
        assert http.time_left() <= 0.2
    assert http.time_left() is None


def test_a_thread_run_in_a_copied_context_keeps_the_deadline(sim):
    sim.latency = 2.0
    outcome = {}

    def call():
        started = time.monotonic()
        try:
            http.request("GET", f"{sim.url}/services/data/")
        except HttpError as exc:
            outcome["error"] = str(exc)
        outcome["took"] = time.monotonic() - started

    with http.deadline(0.3):
        context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(call,))
    thread.start()
    thread.join(5)
    assert "timed out" in outcome["error"] and outcome["took"] < 0.6
