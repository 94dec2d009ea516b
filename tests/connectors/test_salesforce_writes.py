"""Task/Case writes: batching through sObject Collections and idempotency by external id."""

from datetime import UTC, datetime, timedelta

import pytest

from connectors.errors import ConnectorError
from connectors.types import CallLog, TicketRequest


def calls(n, prefix="acme:call"):
    start = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
    return [
        CallLog(
            key=f"{prefix}{i}:act1",
            direction="in",
            phone="+420773794804",
            started_at=start,
            ended_at=start + timedelta(seconds=30),
            duration_seconds=30,
            subject=f"Call {i}",
        )
        for i in range(n)
    ]


def composite_requests(sim):
    return [p for m, p in sim.requests if m == "PATCH" and "/composite/sobjects/Task/" in p]


def test_450_calls_go_in_3_requests_of_at_most_200(sf, sf_sim):
    results = sf.log_calls(calls(450))
    assert len(results) == 450 and all(r.ok for r in results)
    assert len(composite_requests(sf_sim)) == 3
    assert len(sf_sim.tasks) == 450
    assert len({r.crm_id for r in results}) == 450


def test_logging_the_same_calls_twice_creates_each_task_once(sf, sf_sim):
    first = sf.log_calls(calls(3))
    second = sf.log_calls(calls(3))
    assert [r.crm_id for r in second] == [r.crm_id for r in first]
    assert all(r.ok for r in second)
    assert len(sf_sim.tasks) == 3
    assert all(t["TaskSubtype"] == "Call" for t in sf_sim.tasks.values())


def test_crash_after_the_crm_wrote_creates_nothing_new_on_retry(sf, sf_sim):
    sf.authorize()
    sf_sim.fail_after_write = 5  # stored, but every answer is lost: more than the seam retries
    with pytest.raises(ConnectorError) as exc:
        sf.log_calls(calls(4))
    assert not exc.value.permanent
    assert len(sf_sim.tasks) == 4  # Salesforce has them; we never learned their ids
    sf_sim.fail_after_write = 0
    results = sf.log_calls(calls(4))  # the outbox retries later
    assert all(r.ok for r in results)
    assert len(sf_sim.tasks) == 4
    assert {r.crm_id for r in results} == {t["Id"] for t in sf_sim.tasks.values()}


def test_lost_answer_retried_inline_by_the_seam_is_harmless(sf, sf_sim):
    sf.authorize()
    sf_sim.fail_after_write = 1  # first answer lost (503), the seam sends the PATCH again
    results = sf.log_calls(calls(2))
    assert all(r.ok for r in results) and len(sf_sim.tasks) == 2


def test_per_record_errors_do_not_fail_the_batch(sf, sf_sim):
    batch = calls(3)
    batch[0].contact_crm_id = "003Sm9999999999AAA"  # no such contact
    sf_sim.record_errors[batch[1].key] = ("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access")
    results = sf.log_calls(batch)
    assert results[0].error.startswith("INVALID_CROSS_REFERENCE_KEY") and results[0].permanent
    assert results[1].error.startswith("UNABLE_TO_LOCK_ROW") and not results[1].permanent
    assert results[2].ok
    assert list(sf_sim.tasks) == [batch[2].key]


def test_missing_external_id_field_explains_the_setup(sf, sf_sim):
    sf_sim.store.external_ids["Task"] = set()
    with pytest.raises(ConnectorError, match="CC_Call_Key__c on Activity") as exc:
        sf.log_calls(calls(1))
    assert exc.value.permanent


def test_custom_external_id_field_setting(sf, sf_sim):
    sf.account.settings = {**sf.account.settings, "task_external_id_field": "My_Key__c"}
    with pytest.raises(ConnectorError, match="external ID field does not exist.*My_Key__c") as exc:
        sf.log_calls(calls(1))  # this org has no such field: a typo in the setting
    assert exc.value.permanent and "External ID" in str(exc.value)
    assert any(p.endswith("/composite/sobjects/Task/My_Key__c") for _m, p in sf_sim.requests)


def test_ticket_retry_after_lost_answer_keeps_one_case(sf, sf_sim):
    sf.authorize()
    ticket = TicketRequest(key="acme:ticket:1", subject="Missed call", description="x")
    sf_sim.fail_after_write = 5
    with pytest.raises(ConnectorError):
        sf.create_ticket(ticket)
    sf_sim.fail_after_write = 0
    result = sf.create_ticket(ticket)
    assert result.ok and list(sf_sim.cases) == ["acme:ticket:1"]
    assert sf_sim.cases["acme:ticket:1"]["Id"] == result.crm_id


def test_ticket_with_bad_owner_is_a_permanent_error(sf):
    ticket = TicketRequest(key="k", subject="s", description="d", owner_crm_id="005Sm9999999999AAA")
    with pytest.raises(ConnectorError, match="INVALID_CROSS_REFERENCE_KEY") as exc:
        sf.create_ticket(ticket)
    assert exc.value.permanent
