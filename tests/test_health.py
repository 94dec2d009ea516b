"""/healthz: 200 when the database and the broker answer, 503 (JSON) when the broker does not."""

import socket

import pytest

from portal.celery import app


def test_healthz_ok_on_the_configured_stack(client, db, settings):
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "broker": "ok"}
    assert body["broker"] == settings.CELERY_BROKER_URL.split("://")[0]


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again, so nothing listens there


BROKER_KEYS = ("broker_url", "broker_write_url", "broker_read_url", "broker_transport_options")


@pytest.fixture
def unreachable_broker(settings):
    """Point Celery at a port nobody listens on (Celery copies broker_url into the read/write
    URLs when it loads its configuration, so all three are overridden)."""
    url = f"redis://127.0.0.1:{_unused_port()}/0"
    saved = {key: app.conf[key] for key in BROKER_KEYS}
    app.conf.update(broker_url=url, broker_write_url=url, broker_read_url=url)
    app.conf.broker_transport_options = {}
    settings.CELERY_BROKER_URL = url
    yield url
    app.conf.update(saved)


def test_healthz_503_when_broker_unreachable(client, db, unreachable_broker):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] != "ok" and body["broker"] == "redis"


def test_healthz_needs_no_login(client, db):
    assert client.get("/healthz").status_code in (200, 503)
