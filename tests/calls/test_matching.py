"""Which record a call is linked to: the matching policy over the local store (calls/matching.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calls import matching
from calls.models import Call
from contacts.lookup import lookup, pick
from contacts.models import UserMapping
from tests.calls.conftest import call_events
from tests.calls.identity import PHONE, decide, ended_call, policy, record_of, stored

URL = "/api/v1/call-events/"


def send_call(api, run_on_commit, call_id="M1", **extra):
    response = run_on_commit(api.post, URL, call_events(call_id, **extra), format="json")
    assert response.status_code == 202


def written(fake_connector, record):
    return fake_connector.connector.crm.records[record.key]["log"]


def test_most_recent_links_the_newest_and_the_api_and_page_say_so(
    api, tenant, fake_connector, run_on_commit, member_client
):
    stored(tenant, fake_connector, "003OLD", age_days=30)
    stored(tenant, fake_connector, "003NEW", age_days=1)
    send_call(api, run_on_commit)
    record_call = _call(tenant, "M1")
    record = record_of(record_call)
    assert written(fake_connector, record).contact_crm_id == "003NEW"
    assert record.payload["contact_type"] == "contact"
    entry = api.get(f"/api/v1/calls/{record_call.pk}/").json()["sync"][0]
    assert entry["match"] == {
        "type": "contact",
        "crm_id": "003NEW",
        "source": "local",
        "candidates": 2,
    }
    assert entry["updated_at"]
    assert entry["match_text"] == "2 contacts matched; linked the most recently modified (003NEW)"
    page = member_client.get(f"/calls/{record_call.pk}/").content.decode()
    assert "2 contacts matched; linked the most recently modified" in page


def _call(tenant, call_id):
    return Call.objects.for_tenant(tenant).get(call_id=call_id)


def test_agent_owned_links_the_agents_record(api, tenant, fake_connector, run_on_commit):
    policy(fake_connector, multiple_matches="agent_owned")
    UserMapping.objects.create(
        tenant=tenant, connector=fake_connector, agent_id="jdoe", crm_user_id="005JDOE"
    )
    stored(tenant, fake_connector, "003THEIRS", age_days=1, owner="005OTHER")
    stored(tenant, fake_connector, "003MINE", age_days=9, owner="005JDOE")
    send_call(api, run_on_commit)
    record = record_of(_call(tenant, "M1"))
    assert written(fake_connector, record).contact_crm_id == "003MINE"
    assert record.match["rule"] == "agent_owned"


def test_agent_owned_without_an_owned_record_logs_unlinked(
    api, tenant, fake_connector, run_on_commit
):
    policy(fake_connector, multiple_matches="agent_owned")
    stored(tenant, fake_connector, "003A", owner="005X")
    stored(tenant, fake_connector, "003B", owner="005Y")
    send_call(api, run_on_commit)  # the agent is not mapped: no record is "theirs"
    record = record_of(_call(tenant, "M1"))
    assert written(fake_connector, record).contact_crm_id == ""
    entry = api.get(f"/api/v1/calls/{record.call_id}/").json()["sync"][0]
    assert entry["match"]["candidates"] == 2 and entry["match"]["crm_id"] == ""
    assert "none owned by the call's agent" in entry["match_text"]


def test_rule_none_links_nothing_when_several_match(api, tenant, fake_connector, run_on_commit):
    policy(fake_connector, multiple_matches="none")
    stored(tenant, fake_connector, "003A")
    stored(tenant, fake_connector, "003B")
    send_call(api, run_on_commit)
    assert written(fake_connector, record_of(_call(tenant, "M1"))).contact_crm_id == ""


def test_a_single_match_is_linked_whatever_the_rule(api, tenant, fake_connector, run_on_commit):
    policy(fake_connector, multiple_matches="none")
    stored(tenant, fake_connector, "003ONLY")
    send_call(api, run_on_commit)
    record = record_of(_call(tenant, "M1"))
    assert written(fake_connector, record).contact_crm_id == "003ONLY"
    assert record.match == {**record.match, "candidates": 1, "source": "local"}


def test_preferred_type_wins_and_its_type_is_written(api, tenant, fake_connector, run_on_commit):
    policy(fake_connector, objects_order=["lead", "contact"])
    stored(tenant, fake_connector, "003NEWER", age_days=0)
    stored(tenant, fake_connector, "00QLEAD", type="lead", age_days=20)
    send_call(api, run_on_commit)
    log_ = written(fake_connector, record_of(_call(tenant, "M1")))
    assert (log_.contact_crm_id, log_.contact_type) == ("00QLEAD", "lead")


def test_a_type_the_policy_does_not_list_is_not_linked(api, tenant, fake_connector, run_on_commit):
    stored(tenant, fake_connector, "00QLEAD", type="lead")  # default objects: ["contact"]
    policy(fake_connector, live_lookup=False)
    send_call(api, run_on_commit)
    assert written(fake_connector, record_of(_call(tenant, "M1"))).contact_crm_id == ""


@pytest.mark.parametrize("rule", ["most_recent", "agent_owned", "none"])
def test_the_batch_picks_what_lookup_and_pick_pick(tenant, fake_connector, rule):
    """calls/matching.py is lookup(live=False) + pick() for many numbers at once."""
    pol = policy(fake_connector, multiple_matches=rule, objects_order=["lead", "contact"])
    phones = [f"+42060000{i:04d}" for i in range(6)]
    stored(tenant, fake_connector, "003A0", phones[0], owner="005ME")
    stored(tenant, fake_connector, "003B0", phones[0], age_days=3)
    stored(tenant, fake_connector, "003A1", phones[1])
    stored(tenant, fake_connector, "00QA1", phones[1], type="lead", age_days=40)
    stored(tenant, fake_connector, "00QA2", phones[2], type="lead", owner="005ME", age_days=2)
    stored(tenant, fake_connector, "00QB2", phones[2], type="lead", age_days=1)
    stored(tenant, fake_connector, "003A3", phones[3], type="account")  # not in the policy
    found = matching.local_matches(fake_connector, pol, set(phones))
    for phone in phones:
        one = lookup(tenant, phone, connectors=[fake_connector], live=False)
        assert found.get(phone, []) == one
        chosen = pick(one, pol, "005ME")
        assert matching.choose(one, pol, "005ME")["crm_id"] == (chosen.crm_id if chosen else "")


def test_decisions_take_a_bounded_number_of_queries(tenant, fake_connector):
    """Deciding 60 calls reads as many times as deciding 6 (no query per call)."""
    counts = []
    for batch, n in (("w", 1), ("a", 6), ("b", 60)):  # w: the first creates the settings
        calls = []
        for i in range(n):
            phone = f"+4206{ord(batch):03d}{i:05d}"
            if i % 2:
                stored(tenant, fake_connector, f"003{batch}{i}", phone)
            calls.append(ended_call(tenant, f"{batch}{i}", phone, minutes=i))
        with CaptureQueriesContext(connection) as ctx:
            decide(tenant, calls)
        # Reads only: the bulk INSERT of the outbox rows is chunked by the backend's limits.
        counts.append(sum(q["sql"].startswith("SELECT") for q in ctx.captured_queries))
    assert counts[1] == counts[2]
    assert record_of(_call(tenant, "b1")).payload["contact_crm_id"] == "003b1"
    assert record_of(_call(tenant, "b2")).match["candidates"] == 0


def test_a_phone_in_national_format_is_matched_by_its_digits(tenant, fake_connector):
    row = stored(tenant, fake_connector, "003NAT", "+420773794804")
    row.phone_numbers.update(raw="773 794 804", e164="")
    call = ended_call(tenant, "N1", PHONE)
    decide(tenant, [call])
    assert record_of(call).payload["contact_crm_id"] == "003NAT"
