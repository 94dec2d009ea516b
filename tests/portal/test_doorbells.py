"""Coalesced doorbells (portal/doorbells.py): many requests' rings in one broker message."""

import threading
import time

import pytest

from portal import doorbells, logcontext
from portal.celery import app


class _Sent(list):
    done: threading.Event


@pytest.fixture
def sent(monkeypatch, settings):
    """Real (non-eager) rings with a 50 ms window; what would be published is recorded."""
    settings.DOORBELL_COALESCE_MS = 50
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    monkeypatch.setattr(doorbells, "_coalescers", {})
    out, done = _Sent(), threading.Event()

    def publish(name, key, ids):
        out.append((name, key, ids, logcontext.context()))
        done.set()

    monkeypatch.setattr(doorbells, "publish", publish)
    out.done = done
    yield out
    app.conf.task_always_eager = eager


def _ring(key, ids, **context):
    logcontext.clear()
    logcontext.bind(**context)
    try:
        doorbells.ring_coalesced("calls.fold_calls", key, ids)
    finally:
        logcontext.clear()


def test_rings_of_several_requests_go_in_one_message(db, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _ring(7, ["c3", "c1"], tenant="acme", request_id="r1")
        assert sent == []  # nothing before the commit
    with django_capture_on_commit_callbacks(execute=True):
        _ring(7, ["c2", "c1"], tenant="acme", request_id="r2")
    with django_capture_on_commit_callbacks(execute=True):
        _ring(8, ["x"], tenant="other", request_id="r3")
    assert sent.done.wait(2)
    time.sleep(0.1)
    by_key = {key: (name, ids, ctx) for name, key, ids, ctx in sent}
    assert len(sent) == 2, sent  # one per tenant, not one per request
    name, ids, ctx = by_key[7]
    assert name == "calls.fold_calls" and ids == ["c1", "c2", "c3"]
    # The shared context (the tenant) and the requests it serves; no single request_id.
    assert ctx["tenant"] == "acme" and ctx["request_ids"] == ["r1", "r2"]
    assert "request_id" not in ctx
    assert by_key[8][1] == ["x"] and by_key[8][2]["request_id"] == "r3"  # one ring: its own


def test_a_lone_ring_is_sent_within_the_window(db, sent, django_capture_on_commit_callbacks):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        _ring(7, ["c1"], tenant="acme", request_id="r1")
    assert sent.done.wait(2)
    assert time.monotonic() - started < 1.0
    assert sent[0][:3] == ("calls.fold_calls", 7, ["c1"])


def test_a_rolled_back_transaction_rings_nothing(transactional_db, sent):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        _ring(7, ["c1"], tenant="acme")
        raise RuntimeError
    time.sleep(0.15)
    assert sent == []


def test_big_bursts_are_split_into_bounded_messages(db, sent, monkeypatch):
    coalescer = doorbells.Coalescer(60.0)  # never flushes by itself in this test
    monkeypatch.setattr(coalescer, "_ensure_thread", lambda: None)
    ids = [f"c{i:04d}" for i in range(doorbells.MAX_IDS + 3)]
    coalescer.add(app.tasks["calls.fold_calls"], 7, ids, {"tenant": "acme"})
    assert coalescer.flush() == 2
    assert [len(ids) for _n, _k, ids, _c in sent] == [doorbells.MAX_IDS, 3]
    assert coalescer.flush() == 0  # nothing is sent twice


def test_zero_window_publishes_at_once(db, sent, settings, django_capture_on_commit_callbacks):
    settings.DOORBELL_COALESCE_MS = 0
    with django_capture_on_commit_callbacks(execute=True):
        _ring(7, ["c2", "c1"], tenant="acme", request_id="r1")
    assert [s[:3] for s in sent] == [("calls.fold_calls", 7, ["c1", "c2"])]  # no thread, no wait
    assert sent[0][3]["request_id"] == "r1"


def test_a_forked_child_starts_empty(db, monkeypatch):
    coalescer = doorbells.Coalescer(60.0)
    monkeypatch.setattr(coalescer, "_ensure_thread", lambda: None)
    coalescer.add(app.tasks["calls.fold_calls"], 7, ["c1"], {})
    coalescer.after_fork()  # the parent flushes its own rings
    assert coalescer.flush() == 0


def test_shared_context():
    assert doorbells.shared_context([]) == {}
    one = {"tenant": "a", "request_id": "r1", "call_id": "c1"}
    assert doorbells.shared_context([one]) == one
    two = {"tenant": "a", "request_id": "r2", "call_id": "c2"}
    assert doorbells.shared_context([one, two, one]) == {"tenant": "a", "request_ids": ["r1", "r2"]}


def test_a_flush_after_eager_was_switched_on_runs_nothing_inline(db, sent):
    coalescer = doorbells.Coalescer(60.0)
    coalescer._ensure_thread = lambda: None
    coalescer.add(app.tasks["calls.fold_calls"], 7, ["c1"], {})
    app.conf.task_always_eager = True  # e.g. a test's "the broker is back"
    try:
        assert coalescer.flush() == 1 and sent == []  # dropped: the sweeper folds c1
    finally:
        app.conf.task_always_eager = False
