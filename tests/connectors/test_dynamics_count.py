"""Dynamics 365 contact counts (the sync's progress total) against the HTTPS simulator:
`$count=true` up to the 5,000 cap, RetrieveTotalRecordCount above it for a full import, None for
an incremental one. The cap is lowered on the simulator (`count_limit`) instead of seeding 5,001
rows."""

from urllib.parse import parse_qs, unquote, urlsplit

from simulators.dynamics365 import data as sim_data
from tests.connectors import test_dynamics_support as support
from tests.connectors.test_dynamics_simulator import token_for

account = support.account  # fixture
dyn = support.dyn  # fixture
sim = support.sim  # fixture
_running_sim = support._running_sim  # fixture

SINCE = sim_data.BASE_TIME.replace(hour=0)  # two seeded contacts were modified after it
ANNOTATIONS = (
    "Microsoft.Dynamics.CRM.totalrecordcount,Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"
)


def contact_queries(sim) -> list[dict]:
    """The query strings of the GET /contacts requests, decoded."""
    return [
        parse_qs(urlsplit(path).query)
        for method, path in sim.requests
        if method == "GET" and urlsplit(path).path.endswith("/contacts")
    ]


def function_calls(sim) -> list[str]:
    return [path for _method, path in sim.requests if "RetrieveTotalRecordCount" in path]


def test_full_count_is_the_number_of_contacts(dyn, sim):
    sim.requests.clear()
    assert dyn.count_contacts() == len(sim.tables["contacts"]) == 50
    [query] = contact_queries(sim)
    assert query == {"$select": ["contactid"], "$count": ["true"]}  # no $top next to $count
    prefer = sim.api_headers[-1]["Prefer"]
    assert "odata.maxpagesize=1" in prefer and ANNOTATIONS in prefer
    assert function_calls(sim) == []


def test_count_with_modified_since_uses_the_import_filter(dyn, sim):
    sim.requests.clear()
    imported = [c for page in dyn.iter_contacts(modified_since=SINCE) for c in page]
    assert dyn.count_contacts(modified_since=SINCE) == len(imported) == 2
    read, counted = contact_queries(sim)
    assert counted["$filter"] == read["$filter"] == ["modifiedon ge 2026-01-01T00:00:00Z"]


def test_count_exactly_at_the_cap_is_exact(dyn, sim):
    sim.count_limit = 50  # limitexceeded is false: 50 means 50, not "50 or more"
    assert dyn.count_contacts() == 50
    assert function_calls(sim) == []


def test_full_count_above_the_cap_asks_retrieve_total_record_count(dyn, sim):
    sim.count_limit = 20
    assert dyn.count_contacts() == 50
    [path] = function_calls(sim)
    assert unquote(path).endswith("/RetrieveTotalRecordCount(EntityNames=['contact'])")


def test_incremental_count_above_the_cap_is_unknown(dyn, sim):
    sim.count_limit = 1
    assert dyn.count_contacts(modified_since=SINCE) is None
    assert function_calls(sim) == []  # the snapshot counts the whole table: no use here
    sim.count_limit = 2
    assert dyn.count_contacts(modified_since=SINCE) == 2


def test_snapshot_below_the_cap_is_stale_so_unknown(dyn, sim):
    sim.count_limit = 20
    sim.record_count_snapshot = {"contact": 7}  # taken before the table grew past 20
    assert dyn.count_contacts() is None
    sim.record_count_snapshot = {"contact": 48}  # an older snapshot above the cap: used
    assert dyn.count_contacts() == 48


# --- the simulator on its own --------------------------------------------------------------


def get(sim, path: str, prefer: str = "") -> dict:
    session, headers = token_for(sim)
    if prefer:
        headers["Prefer"] = prefer
    reply = session.get(f"{sim.url}/api/data/v9.2/{path}", headers=headers)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_sim_count_is_capped_and_annotated_only_on_request(sim):
    sim.count_limit = 30
    body = get(sim, "contacts?$select=contactid&$count=true", prefer="odata.maxpagesize=5")
    assert body["@odata.count"] == 30 and len(body["value"]) == 5
    assert not any(k.startswith("@Microsoft") for k in body)
    body = get(
        sim, "contacts?$select=contactid&$count=true", 'odata.include-annotations="Microsoft.*"'
    )
    assert body["@Microsoft.Dynamics.CRM.totalrecordcount"] == 30
    assert body["@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"] is True
    body = get(sim, "contacts?$select=contactid", 'odata.include-annotations="*"')
    assert body["@Microsoft.Dynamics.CRM.totalrecordcount"] == -1 and "@odata.count" not in body


def test_sim_count_with_top_counts_at_most_top(sim):
    # Microsoft: do not combine $top with $count. A client that does sees a wrong number here.
    assert get(sim, "contacts?$select=contactid&$count=true&$top=1")["@odata.count"] == 1


def test_sim_retrieve_total_record_count(sim):
    body = get(sim, "RetrieveTotalRecordCount(EntityNames=@p1)?@p1=['contact','account']")
    counts = body["EntityRecordCountCollection"]
    assert counts["Keys"] == ["contact", "account"] and counts["Values"] == [50, 8]
    assert counts["Count"] == 2
    session, headers = token_for(sim)
    url = f"{sim.url}/api/data/v9.2/RetrieveTotalRecordCount(EntityNames=['nosuch'])"
    reply = session.get(url, headers=headers)
    assert reply.status_code == 404 and reply.json()["error"]["code"] == "0x80040217"
