"""CONN_HEALTH_CHECKS without a round trip (portal/dbmetrics/postgresql/base.py): a quiet
connection is trusted, one the server has ended is closed and the next query reconnects."""

import select
import time

import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL backend only"),
]


@pytest.fixture
def wrapper():
    w = connections.create_connection("default")
    w.settings_dict["CONN_HEALTH_CHECKS"] = True
    w.ensure_connection()
    yield w
    w.close()


def _new_request(w):
    w.health_check_done = False  # what close_old_connections() does at request_started


def test_a_quiet_connection_is_kept_without_a_select_1(wrapper, monkeypatch):
    calls = []
    monkeypatch.setattr(wrapper, "is_usable", lambda: calls.append(1) or True)
    raw = wrapper.connection
    _new_request(wrapper)
    wrapper.close_if_health_check_failed()
    assert calls == []
    assert wrapper.connection is raw and wrapper.health_check_done


def test_a_connection_the_server_ended_is_closed_and_the_next_query_reconnects(wrapper):
    pid = wrapper.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    socket = wrapper.connection.pgconn.socket
    deadline = time.monotonic() + 5
    while not select.select([socket], [], [], 0.05)[0]:
        assert time.monotonic() < deadline, "the server's FATAL notice never arrived"
    _new_request(wrapper)
    wrapper.close_if_health_check_failed()
    assert wrapper.connection is None
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_inside_a_transaction_the_full_check_runs(wrapper, monkeypatch):
    calls = []
    monkeypatch.setattr(wrapper, "is_usable", lambda: calls.append(1) or True)
    wrapper.connection.execute("BEGIN")
    _new_request(wrapper)
    wrapper.close_if_health_check_failed()
    assert calls == [1]
    wrapper.connection.execute("ROLLBACK")
