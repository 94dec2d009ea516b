"""The job lifecycle of jobs/runner.py for any kind: outcome recorded, lost claim, registry,
and the one sweeper (jobs.sweep) that serves every registered kind."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from jobs import runner
from jobs.models import Job, JobStatus
from jobs.runner import JobRunner, LostClaim, claim_job, heartbeat, runner_for
from jobs.sweeper import STALE_AFTER, sweep_stale_jobs
from portal.celery import app, task_named

pytestmark = pytest.mark.django_db


class Outcome(JobRunner):
    kind = "test_outcome"
    task = "jobs.sweep"  # any registered task: these tests never ring it for real
    behaviour = "ok"

    def run(self) -> dict:
        self.heartbeat(1, 2)
        if self.behaviour == "boom":
            raise RuntimeError("boom")
        if self.behaviour == "expected":
            raise KeyError("gone")
        if self.behaviour == "lost":
            Job.objects.unscoped().filter(pk=self.job.pk).update(
                status=JobStatus.QUEUED, started_at=None
            )
            self.heartbeat(2, 2)
        return {"done": "yes"}

    def failure(self, exc):
        if isinstance(exc, KeyError):
            return f"expected: {exc}", {"why": "gone"}
        return None


@pytest.fixture
def outcome(monkeypatch):
    monkeypatch.setitem(runner.RUNNERS, Outcome.kind, Outcome)
    return Outcome


def run(tenant, monkeypatch, behaviour: str) -> Job:
    monkeypatch.setattr(Outcome, "behaviour", behaviour)
    job = Job.objects.create(tenant=tenant, kind=Outcome.kind)
    Outcome.handle(job.pk)
    job.refresh_from_db()
    return job


def test_success_records_the_result_and_progress(tenant, outcome, monkeypatch):
    job = run(tenant, monkeypatch, "ok")
    assert job.status == JobStatus.SUCCEEDED and job.result == {"done": "yes"}
    assert (job.done, job.total) == (1, 2) and job.finished_at is not None


def test_an_unexpected_error_is_recorded_with_its_type(tenant, outcome, monkeypatch):
    job = run(tenant, monkeypatch, "boom")
    assert job.status == JobStatus.FAILED and job.error == "RuntimeError: boom"


def test_an_expected_error_is_recorded_as_the_runner_says(tenant, outcome, monkeypatch):
    job = run(tenant, monkeypatch, "expected")
    assert job.status == JobStatus.FAILED
    assert job.error == "expected: 'gone'" and job.result == {"why": "gone"}


def test_a_lost_claim_records_nothing(tenant, outcome, monkeypatch):
    job = run(tenant, monkeypatch, "lost")
    assert job.status == JobStatus.QUEUED and job.finished_at is None and job.result == {}


def test_a_job_is_claimed_once(tenant):
    job = Job.objects.create(tenant=tenant, kind="contact_sync")
    assert claim_job(job.pk, "contact_push") is None  # another kind's runner never takes it
    claimed = claim_job(job.pk, "contact_sync")
    assert claimed.status == JobStatus.RUNNING
    assert claim_job(job.pk, "contact_sync") is None
    Job.objects.unscoped().filter(pk=job.pk).update(started_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(LostClaim):
        heartbeat(claimed, 1)


def test_the_registry_knows_the_contacts_runners():
    assert runner_for("contact_sync").task == "contacts.run_contact_sync"
    assert runner_for("contact_push").task == "contacts.run_contact_push"
    with pytest.raises(LookupError):
        runner_for("no_such_kind")
    with pytest.raises(ValueError):
        runner.register(type("Twin", (JobRunner,), {"kind": "contact_sync", "task": "x"}))


def test_the_sweeper_serves_every_registered_kind(tenant, outcome, monkeypatch):
    rung = []
    monkeypatch.setattr("jobs.sweeper.ring", lambda task, pk: rung.append((task, pk)))
    job = Job.objects.create(tenant=tenant, kind=Outcome.kind)
    claim_job(job.pk, Outcome.kind)
    unknown = Job.objects.create(tenant=tenant, kind="nobody_runs_this", status=JobStatus.RUNNING)
    Job.objects.unscoped().filter(pk__in=[job.pk, unknown.pk]).update(
        heartbeat_at=timezone.now() - STALE_AFTER - timedelta(seconds=1)
    )
    assert sweep_stale_jobs()["requeued"] == 1
    assert rung == [("jobs.sweep", job.pk)]
    job.refresh_from_db()
    unknown.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.started_at is None
    assert unknown.status == JobStatus.RUNNING  # a kind without a runner is left alone


def test_the_sweeper_task_is_scheduled_routed_and_found_by_name():
    assert task_named("jobs.sweep").name == "jobs.sweep"  # imported on demand, as a web process
    assert settings.CELERY_BEAT_SCHEDULE["jobs.sweep"]["task"] == "jobs.sweep"
    assert app.amqp.router.route({}, "jobs.sweep")["queue"].name == "bulk"
