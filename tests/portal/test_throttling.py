"""portal.throttling.hit: a process sends its hits in batches far from the limit, each near it."""

import time
import uuid

import pytest

from portal import throttling


@pytest.fixture
def sent(monkeypatch):
    calls = []
    real = throttling._count

    def counting(slot, ttl, n=1):
        calls.append(n)
        return real(slot, ttl, n)

    monkeypatch.setattr(throttling, "_count", counting)
    return calls


def test_far_from_the_limit_hits_are_sent_in_batches(sent):
    key = f"t-{uuid.uuid4().hex}"
    assert all(throttling.hit(key, 100_000, 60) is None for _ in range(100))
    assert len(sent) <= 100 // throttling.FLUSH_HITS + 2  # not a round trip per hit
    assert sum(sent) >= 100 - throttling.FLUSH_HITS  # at most one batch not sent yet


def test_a_small_budget_is_exact(sent):
    key = f"t-{uuid.uuid4().hex}"
    answers = [throttling.hit(key, 4, 60) for _ in range(6)]
    assert answers[:4] == [None] * 4 and all(a is not None and a >= 1 for a in answers[4:])
    assert sent == [1] * 6  # every hit sent once the budget is half used


def test_another_process_hits_are_seen_within_the_flush_interval(sent, monkeypatch):
    monkeypatch.setattr(throttling, "FLUSH_SECONDS", 0.2)
    key = f"t-{uuid.uuid4().hex}"
    assert throttling.hit(key, 10, 60) is None
    slot = next(s for s in throttling._slots if s.startswith(f"rl:{key}:"))
    throttling._count(slot, 61, 9)  # another process used 9 more of the window's budget
    time.sleep(throttling.FLUSH_SECONDS + 0.05)
    assert throttling.hit(key, 10, 60) is not None  # 1 + 9 + this one > 10
