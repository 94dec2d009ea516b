"""Domain code rings Celery doorbells by task name (portal.celery), never importing tasks.py."""

from django.core.cache import cache

from portal import celery as portal_celery
from portal.celery import app


def test_a_task_is_rung_by_its_name(db, monkeypatch, django_capture_on_commit_callbacks):
    task = portal_celery.task_named("calls.deliver")
    assert task.name == "calls.deliver" and task is app.tasks["calls.deliver"]
    sent = []
    monkeypatch.setattr(task, "delay", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        portal_celery.ring("calls.deliver", 7, "call_log")
        assert sent == []  # after the commit only
    assert sent == [(7, "call_log")]


def test_ring_once_sends_one_message_per_key(db, monkeypatch):
    sent = []
    monkeypatch.setattr(
        portal_celery.task_named("calls.sweep"), "delay", lambda *args: sent.append(args)
    )
    assert portal_celery.ring_once("test:doorbell", "calls.sweep") is True
    assert portal_celery.ring_once("test:doorbell", "calls.sweep") is False  # still waiting
    cache.delete("test:doorbell")  # the task started
    assert portal_celery.ring_once("test:doorbell", "calls.sweep") is True and len(sent) == 2
