"""Issue 18.3 at a million rows: a list page costs the same few queries whatever its size, the
agent filter finds a call by its own agent or a leg's, a count out of time is an estimate, and
a contacts search pages in name order by the same cursors."""

import pytest

from calls.models import CallActivity
from connectors.models import ConnectorAccount
from contacts.models import Contact
from portal import paging
from tests.calls.test_console_scale import make_calls
from tests.querycount import budget_queries


def _calls_with_legs(tenant, n):
    connector = ConnectorAccount.objects.create(tenant=tenant, kind="salesforce", name="Org")
    calls = make_calls(tenant, n, connector)
    CallActivity.objects.bulk_create(
        CallActivity(tenant=tenant, call=c, activity_id=f"l{c.pk}", agent_email="leg@acme.com")
        for c in calls[::2]
    )
    return calls


@pytest.mark.parametrize("size", [5, 40])
def test_api_list_queries_do_not_grow_with_the_page(
    api, tenant, size, django_assert_max_num_queries
):
    _calls_with_legs(tenant, 40)
    # key (+ its last_used_at), page, legs, sync entries, count, events: none per call
    with django_assert_max_num_queries(7 + budget_queries()):
        body = api.get("/api/v1/calls/", {"page_size": size}).json()
    assert len(body["results"]) == size and body["count"] == 40
    first = body["results"][0]
    assert first["sync"][0]["connector_name"] == "Org"
    assert [a["agent_email"] for a in first["activities"]] in ([], ["leg@acme.com"])


def test_calls_page_queries_are_few(member_client, tenant, django_assert_max_num_queries):
    _calls_with_legs(tenant, 60)
    # session, user, membership twice, connectors, page, legs, sync entries, count: none per
    # row, and no "any calls at all?"
    with django_assert_max_num_queries(9 + budget_queries()):
        page = member_client.get("/calls/").content.decode()
    assert page.count("Org: ") == 50 and "60 calls." in page


def test_agent_email_finds_the_calls_agent_or_a_legs(api, tenant):
    calls = _calls_with_legs(tenant, 6)
    calls[1].agent_email = "Own@Acme.com"
    calls[1].save()
    found = {
        c["call_id"]
        for c in api.get("/api/v1/calls/", {"agent_email": "own@acme.com"}).json()["results"]
    }
    assert found == {calls[1].call_id}
    legs = api.get("/api/v1/calls/", {"agent_email": "LEG@acme.com"}).json()
    assert {c["call_id"] for c in legs["results"]} == {c.call_id for c in calls[::2]}
    assert legs["count"] == 3


def test_a_count_out_of_time_is_an_estimate_never_below_the_rows_seen(
    api, member_client, tenant, monkeypatch
):
    make_calls(tenant, 60)
    monkeypatch.setattr(paging, "_budgeted_count", lambda qs: None)  # the budget ran out
    monkeypatch.setattr(paging, "_estimate", lambda qs: 0)  # and the planner guessed 0
    assert api.get("/api/v1/calls/", {"page_size": 5}).json()["count"] == 6  # 5 + a next one
    assert "About 51 calls." in member_client.get("/calls/").content.decode()


def test_search_pages_in_name_order_by_the_same_cursors(api, tenant):
    conn = ConnectorAccount.objects.create(tenant=tenant, kind="salesforce", name="Org")
    Contact.objects.bulk_create(
        Contact(
            tenant=tenant,
            connector=conn,
            crm_id=f"c{i}",
            first_name=f"F{i % 3}",
            last_name=("Novak", "Dvorak", "Novakova")[i % 3],
        )
        for i in range(14)
    )
    expected = list(
        Contact.objects.for_tenant(tenant)
        .filter(last_name__icontains="novak")
        .order_by("last_name", "first_name", "id")
        .values_list("id", flat=True)
    )
    body, seen = api.get("/api/v1/contacts/", {"q": "novak", "page_size": 3}).json(), []
    while True:
        seen += [c["id"] for c in body["results"]]
        if not body["next"]:
            break
        body = api.get(body["next"]).json()
    assert seen == expected and len(seen) == 9
    back = api.get(body["previous"]).json()
    assert [c["id"] for c in back["results"]] == expected[3:6]
    assert paging.Keyset(("last_name", "id"), unindexed=True).ordering()[1].expression is not None
