"""`make run`: migrate, seed the demo, then run simulators + web + Celery workers + beat.

Three Celery workers, as in production: one for the realtime queue (call folding, decisions, CRM
deliveries), one for the bulk queue (contact imports, pushes, sweepers) and one for the slow
queue (deliveries of slow CRMs, first batches, probes after a pause).

One Ctrl-C stops everything. Uses the embedded defaults (SQLite, filesystem broker) unless
DATABASE_URL / CELERY_BROKER_URL are set.

The children run in their own sessions, so a Ctrl-C reaches only this process, which then
stops them (SIGTERM, then SIGKILL to the whole group after 10 s). SIGTERM and SIGHUP do the same, and
SIGINT is re-armed explicitly because a shell starting us in the background (`make run &`)
hands SIGINT over as ignored.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from simulators import registry


class Stop(Exception):
    """A stop signal arrived."""


def _raise_stop(signum, frame):
    raise Stop(signal.Signals(signum).name)


class Command(BaseCommand):
    help = "Run the whole portal locally (web, Celery workers and beat, CRM simulators)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 to listen on all")

    def handle(self, port, host, **options):
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _raise_stop)
        self.procs: list[tuple[str, subprocess.Popen]] = []
        try:
            self.start(host, port)
            while all(p.poll() is None for _, p in self.procs):
                time.sleep(0.5)
            for name, p in self.procs:
                if p.poll() is not None:
                    self.stderr.write(f"{name} exited with {p.returncode}; stopping the rest")
        except (Stop, KeyboardInterrupt):
            self.stdout.write("\nstopping...")
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up
            self.stop_all()
        self.stdout.write("stopped.")

    def spawn(self, name: str, args: list[str], env: dict) -> None:
        self.stdout.write(f"starting {name}: {' '.join(args)}")
        popen = subprocess.Popen(args, env=env, start_new_session=True)
        self.procs.append((name, popen))

    def start(self, host: str, port: int) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        py = sys.executable
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        # OAuth redirect URIs and links in mails are built from PUBLIC_URL: follow --port.
        env.setdefault("PUBLIC_URL", f"http://{shown}:{port}")
        # One cache for the web and every worker process (doorbell dedupe, budgets; portal.W001):
        # local memory would be one per process.
        env.setdefault("CACHE_URL", f"filecache://{settings.LOCAL_DIR / 'cache'}")
        # Metrics of the web and worker processes summed at /metrics (docs/operations.md); the
        # directory starts empty with the processes that write to it.
        metrics_dir = Path(
            env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(settings.LOCAL_DIR / "metrics"))
        )
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        registry.STATE_FILE.unlink(missing_ok=True)
        self.spawn("simulators", [py, "manage.py", "run_simulators"], env)
        for _ in range(100):
            if registry.STATE_FILE.exists():
                break
            time.sleep(0.1)
        env["REQUESTS_CA_BUNDLE"] = str(registry.CA_BUNDLE)  # trust the HTTPS simulators too
        os.environ["REQUESTS_CA_BUNDLE"] = env["REQUESTS_CA_BUNDLE"]
        call_command("seed_demo")
        celery = [py, "-m", "celery", "-A", "portal"]
        for queue, slots in (("realtime", "2"), ("bulk", "1"), ("slow", "1")):
            worker = [*celery, "worker", "-Q", queue, "-l", "INFO", "-c", slots]
            self.spawn(f"worker-{queue}", [*worker, "-n", f"{queue}@%h"], env)
        schedule = str(settings.CELERY_BEAT_SCHEDULE_FILENAME)
        self.spawn("beat", [*celery, "beat", "-l", "INFO", "-s", schedule], env)
        self.spawn("web", [py, "manage.py", "runserver", f"{host}:{port}", "--noreload"], env)
        password = (settings.LOCAL_DIR / "demo-credentials.txt").read_text().strip()
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  Portal: http://{shown}:{port}/   login admin@demo.local / {password}\n"
                f"  (stored in {settings.LOCAL_DIR / 'demo-credentials.txt'})\n"
                f"  API docs: http://{shown}:{port}/api/docs/   Ctrl-C stops everything.\n"
            )
        )

    def stop_all(self) -> None:
        # SIGTERM to each leader only: the Celery worker then stops its own pool (a signal to
        # its whole group would kill the pool processes under it and stall the warm shutdown).
        for _, p in self.procs:
            if p.poll() is None:
                p.terminate()
        deadline = time.time() + 10
        for name, p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in time; killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait()
