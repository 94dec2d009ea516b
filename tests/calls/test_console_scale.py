"""Issue 18.3: the calls list pages by cursor, caps page_size, streams its CSV, and the
dashboard reads the daily rollup kept up to date by decisions (and recounted)."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from calls import rollup
from calls.models import Call, CallDay
from connectors.models import ConnectorAccount
from delivery.models import SyncRecord
from portal import paging
from tests.calls.conftest import call_events
from tests.conftest import api_client_for

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def make_calls(tenant, n, connector=None, same_start_every=0):
    calls = Call.objects.bulk_create(
        Call(
            tenant=tenant,
            call_id=f"K{i:04d}",
            started_at=START
            + timedelta(minutes=(i // same_start_every if same_start_every else i)),
            queue="+420226211245" if i % 2 else "other",
            caller="+420601000111",
            ended=True,
        )
        for i in range(n)
    )
    if connector:
        SyncRecord.objects.bulk_create(
            SyncRecord(
                tenant=tenant,
                connector=connector,
                key=f"k{c.pk}",
                call=c,
                state="skipped" if i % 3 == 0 else "synced",
            )
            for i, c in enumerate(calls)
        )
    return calls


def walk(api, url, params):
    """Follow `next` to the end, then `previous` back: the call ids in both directions."""
    seen, pages = [], []
    body = api.get(url, params).json()
    while True:
        pages.append(body)
        seen += [c["call_id"] for c in body["results"]]
        if not body["next"]:
            break
        body = api.get(body["next"]).json()
    back = []
    while body["previous"]:
        body = api.get(body["previous"]).json()
        back = [c["call_id"] for c in body["results"]] + back
    return seen, back, pages


def test_api_walks_every_call_once_by_cursor_both_ways(api, tenant):
    # ties on started_at (three calls a minute) must neither repeat nor skip a call
    make_calls(tenant, 23, same_start_every=3)
    seen, back, pages = walk(api, "/api/v1/calls/", {"page_size": 5})
    expected = list(
        Call.objects.for_tenant(tenant)
        .order_by("-started_at", "-id")
        .values_list("call_id", flat=True)
    )
    assert seen == expected and len(pages) == 5
    assert back == expected[: len(back)] and len(back) == 20  # every page before the last
    assert all(p["count"] == 23 for p in pages)
    assert pages[0]["previous"] is None and "cursor=" in pages[0]["next"]


def test_api_cursor_keeps_the_filters_and_old_page_links_work(api, tenant):
    make_calls(tenant, 12)
    seen, _back, _pages = walk(api, "/api/v1/calls/", {"page_size": 2, "queue": "other"})
    assert len(seen) == 6 and len(set(seen)) == 6
    page2 = api.get("/api/v1/calls/", {"page_size": 5, "page": 2}).json()  # OFFSET, for old clients
    assert [c["call_id"] for c in page2["results"]] == [f"K{i:04d}" for i in range(6, 1, -1)]
    assert "page=" not in page2["next"] and "cursor=" in page2["previous"]


def test_api_bad_cursor_is_400_and_page_size_is_clamped(api, tenant, settings):
    make_calls(tenant, 3)
    response = api.get("/api/v1/calls/", {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["cursor"]
    assert len(api.get("/api/v1/calls/", {"page_size": 10_000}).json()["results"]) == 3
    assert api.get("/api/v1/calls/", {"page_size": "x"}).status_code == 200


def test_count_is_capped_then_estimated(api, tenant, monkeypatch):
    make_calls(tenant, 12)
    monkeypatch.setattr("portal.paging.COUNT_CAP", 10)
    defaults = paging.cheap_count.__defaults__
    monkeypatch.setattr("portal.paging.cheap_count.__defaults__", (10, *defaults[1:]))
    body = api.get("/api/v1/calls/", {"page_size": 5}).json()
    assert body["count"] >= 11  # above the cap: an estimate, never below cap + 1


def test_a_cursor_of_another_tenant_shows_nothing_of_it(api, tenant, other_tenant):
    make_calls(other_tenant, 6)
    theirs = api_client_for(other_tenant).get("/api/v1/calls/", {"page_size": 2}).json()
    mine = api.get(theirs["next"]).json()
    assert mine["results"] == [] and mine["count"] == 0


def test_pages_page_by_cursor(member_client, tenant):
    make_calls(tenant, 120)
    first = member_client.get("/calls/").content.decode()
    assert "120 calls." in first and "Older" in first and "Newer" not in first
    cursor = first.split("cursor=")[1].split('"')[0]
    second = member_client.get("/calls/", {"cursor": cursor}).content.decode()
    assert "Newer" in second and "Newest" in second
    assert member_client.get("/calls/", {"cursor": "garbage"}).status_code == 200


def test_csv_is_streamed_with_the_same_columns(member_client, tenant, settings):
    settings.DEBUG = False
    connector = ConnectorAccount.objects.create(tenant=tenant, kind="salesforce", name="Org")
    make_calls(tenant, 7, connector)
    monkey_chunk = 3
    from calls import export

    export.CHUNK, old = monkey_chunk, export.CHUNK
    try:
        response = member_client.get("/calls/", {"export": "csv"})
        body = b"".join(response.streaming_content).decode()
    finally:
        export.CHUNK = old
    assert response.streaming
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == export.HEADER and len(rows) == 8
    assert [r[0] for r in rows[1:]] == [f"K{i:04d}" for i in range(6, -1, -1)]
    assert rows[1][-1] == "Org: skipped" or rows[1][-1] == "Org: synced"
    assert rows[-1][-1] == "Org: skipped"  # K0000: i % 3 == 0


@pytest.mark.django_db
def test_rollup_follows_decisions_and_delivery(
    api, tenant, fake_connector, run_on_commit, client, viewer_user
):
    today = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    run_on_commit(
        api.post, "/api/v1/call-events/", call_events("R1", start=today.isoformat()), format="json"
    )
    day = CallDay.objects.for_tenant(tenant).get()
    assert day.open == 1 and day.synced == 0  # decided: +1 open; the outbox does not tell
    client.force_login(viewer_user)
    page = client.get("/calls/dashboard/").content.decode()  # an open day: counted again
    assert "bar-synced" in page
    day = CallDay.objects.for_tenant(tenant).get()  # rows are rewritten by a count
    assert day.synced == 1 and day.open == 0 and day.counted_at
    SyncRecord.objects.for_tenant(tenant).update(state="dead")
    assert rollup.recount_open() == 0  # nothing open: the day stays as counted
    rollup.recount(tenant)  # the backfill / repair
    assert CallDay.objects.for_tenant(tenant).get().failed == 1
