"""`make run`: migrate, seed the demo, then run simulators + web + Celery worker + beat.

One Ctrl-C stops everything. Uses the embedded defaults (SQLite, filesystem broker) unless
DATABASE_URL / CELERY_BROKER_URL are set.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from connectors import simulators


class Command(BaseCommand):
    help = "Run the whole portal locally (web, Celery worker and beat, CRM simulators)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))

    def handle(self, port, **options):
        call_command("migrate", interactive=False, verbosity=0)
        py = sys.executable
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        procs = []

        def spawn(name, args):
            self.stdout.write(f"starting {name}: {' '.join(args)}")
            procs.append((name, subprocess.Popen(args, env=env, start_new_session=True)))

        simulators.STATE_FILE.unlink(missing_ok=True)
        spawn("simulators", [py, "manage.py", "run_simulators"])
        for _ in range(100):
            if simulators.STATE_FILE.exists():
                break
            time.sleep(0.1)
        env["REQUESTS_CA_BUNDLE"] = str(simulators.CA_BUNDLE)  # trust the HTTPS simulators too
        os.environ["REQUESTS_CA_BUNDLE"] = env["REQUESTS_CA_BUNDLE"]
        call_command("seed_demo")
        spawn("worker", [py, "-m", "celery", "-A", "portal", "worker", "-l", "INFO", "-c", "2"])
        spawn(
            "beat",
            [
                py,
                "-m",
                "celery",
                "-A",
                "portal",
                "beat",
                "-l",
                "INFO",
                "-s",
                str(settings.CELERY_BEAT_SCHEDULE_FILENAME),
            ],
        )
        spawn("web", [py, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"])
        password = (settings.LOCAL_DIR / "demo-credentials.txt").read_text().strip()
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  Portal: http://127.0.0.1:{port}/   login admin@demo.local / {password}\n"
                f"  API docs: http://127.0.0.1:{port}/api/docs/   Ctrl-C stops everything.\n"
            )
        )
        try:
            while all(p.poll() is None for _, p in procs):
                time.sleep(0.5)
            for name, p in procs:
                if p.poll() is not None:
                    self.stderr.write(f"{name} exited with {p.returncode}; stopping the rest")
        except KeyboardInterrupt:
            self.stdout.write("\nstopping...")
        finally:
            for _, p in procs:
                if p.poll() is None:
                    os.killpg(p.pid, signal.SIGTERM)
            deadline = time.time() + 10
            for _, p in procs:
                try:
                    p.wait(timeout=max(0.1, deadline - time.time()))
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
