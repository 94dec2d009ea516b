"""A local webhook receiver (a real HTTP server on 127.0.0.1) and alert helpers."""

import base64
import http.server
import secrets
import threading

import pytest

from operations.models import NotificationSettings


class Receiver:
    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []  # statuses to answer, in order (then 204)
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/portal"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    """A receiver on loopback, reachable only through the operator's allow-list (the address
    policy is on, as in production)."""
    settings.OUTBOUND_ALLOW_PRIVATE = False
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    rec = Receiver()
    yield rec
    rec.stop()


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture
def alert_settings(tenant, receiver):
    config = NotificationSettings(
        tenant=tenant, recipients="ops@acme.test", webhook_url=receiver.url, backlog_minutes=30
    )
    config.webhook_secret = new_secret()
    config.save()
    return config


@pytest.fixture
def evaluate(django_capture_on_commit_callbacks):
    """Run the beat task once; the notification tasks it rings run (Celery is eager)."""
    from operations import tasks

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.evaluate_alerts()

    return run
