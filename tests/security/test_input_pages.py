"""Issue 11, point 8: bad input to the pages: NUL bytes in filters, unknown kinds, CSV formulas."""

import csv
import io

import pytest

from automations.models import Trigger
from calls.views import _safe
from tests.calls import conftest as calls_fixtures
from tests.calls.conftest import call_events

fake_crm, fake_connector = calls_fixtures.fake_crm, calls_fixtures.fake_connector
run_on_commit = calls_fixtures.run_on_commit

PAGES = ["/calls/", "/contacts/", "/automations/", "/automations/dry-run/", "/calls/dashboard/"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(
    "query",
    [
        {"phone": "1\x002"},
        {"q": "\x00"},
        {"queue": "a\x00b", "since": "2026-01-01"},
        {"connector": "\x00"},
        {"call": "x\x00"},
        {"\x00": "1"},
        {"export": "csv", "agent_email": "\x00@x"},
    ],
)
def test_nul_bytes_in_page_filters_are_a_400_page(member_client, path, query):
    response = member_client.get(path, query)
    assert response.status_code == 400, (path, query, response.status_code)
    assert b"Bad request" in response.content and b"<html" in response.content.lower()


def test_nul_bytes_in_api_query_params_stay_in_the_api_format(api):
    response = api.get("/api/v1/calls/", {"queue": "a\x00b"})
    assert response.status_code < 500
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "fields"}


@pytest.mark.parametrize(
    "path",
    [
        "/automations/bogus/1/delete/",
        "/automations/__class__/1/delete/",
        "/integrations/add/bogus/",
        "/integrations/add/fake-crm/",
    ],
)
def test_unknown_kinds_in_page_urls_are_404(member_client, path):
    assert member_client.post(path).status_code == 404
    assert member_client.get(path).status_code in (404, 405)


def test_known_kind_still_deletes(member_client, tenant, fake_connector):
    trigger = Trigger.objects.create(tenant=tenant, connector=fake_connector, name="T")
    response = member_client.post(
        f"/automations/trigger/{trigger.pk}/delete/", {"confirmed": "yes"}
    )
    assert (
        response.status_code == 302
        and not Trigger.objects.unscoped().filter(pk=trigger.pk).exists()
    )


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+1-1",
        "-2+3",
        "@SUM(A1)",
        "\t=1+1",
        "\r=1+1",
        "\n=1+1",
        " =1+1",
        "  -2+3",
        "+420773794804",
    ],
)
def test_csv_cells_that_could_be_formulas_are_quoted(value):
    assert _safe(value) == "'" + value


@pytest.mark.parametrize("value", ["1WS.1", "jdoe@acme.com", "Support", "", "95", "a=b"])
def test_csv_plain_cells_are_left_alone(value):
    assert _safe(value) == value


def test_csv_export_neutralises_formulas_end_to_end(
    member_client, api, tenant, fake_connector, run_on_commit
):
    hostile = ["-2+3", "\t=1+1", "\r=1+1", "@cmd"]
    for i, queue in enumerate(hostile):
        events = call_events(f"X{i}", start=f"2026-11-20T1{i}:00:00+01:00", queue=queue)
        run_on_commit(api.post, "/api/v1/call-events/", events, format="json")
    response = member_client.get("/calls/", {"export": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()  # streamed (calls/export.py)
    rows = list(csv.reader(io.StringIO(body, newline="")))
    header, data = rows[0], rows[1:]
    queues = sorted(row[header.index("queue")] for row in data)
    assert queues == sorted("'" + q for q in hostile)
    for row in data:
        for cell in row:
            assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")), row
