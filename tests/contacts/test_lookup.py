"""The caller lookup against the Salesforce simulator over real HTTP: local first, the live
search on a miss (stored, so the next lookup is local), the negative cache, single flight,
the timeout, CRM failures, the policy's switches and region override.

The live search calls find_contacts_by_phone(phone, record_types=...): the record-type keyword
arrives with the CRM helpers' branches (issue 13); these tests need it."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from connectors.breaker import KEY as BREAKER_KEY
from connectors.types import CrmContact
from contacts import live
from contacts.lookup import LIVE, LOCAL, lookup, store_found
from contacts.models import Contact, MatchingPolicy
from tests.contacts.helpers import make_contact

pytestmark = pytest.mark.django_db

NEW_NUMBER = "+420 602 555 321"


def searches(sim) -> int:
    return sum(1 for _m, path in sim.requests if "/search" in path)


def policy(account, **fields) -> MatchingPolicy:
    row = MatchingPolicy.for_connector(account)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return row


def test_a_stored_contact_is_found_locally_without_asking_the_crm(tenant, sf, sf_sim):
    make_contact(tenant, connector=sf, crm_id="003LOCAL", phones=["+420 773 794 804"])
    sf_sim.requests.clear()
    [match] = lookup(tenant, "00420773794804")
    assert (match.crm_id, match.source, match.type, match.connector_id) == (
        "003LOCAL",
        LOCAL,
        "contact",
        sf.pk,
    )
    assert searches(sf_sim) == 0


def test_a_contact_created_after_the_import_is_found_live_and_stored(tenant, sf, sf_sim):
    added = sf_sim.add_contact(FirstName="Fresh", LastName="Caller", Phone=NEW_NUMBER)
    sf_sim.requests.clear()
    [match] = lookup(tenant, "+420602555321")
    assert (match.crm_id, match.source, match.name) == (added["Id"], LIVE, "Fresh Caller")
    stored = Contact.objects.for_tenant(tenant).get(crm_id=added["Id"])
    assert stored.phones == ["+420602555321"] and match.contact_id == stored.pk
    assert searches(sf_sim) == 1
    [again] = lookup(tenant, "602 555 321")  # national format: the store knows it now
    assert again.source == LOCAL and again.crm_id == added["Id"]
    assert searches(sf_sim) == 1


def test_an_unknown_number_is_asked_once_per_negative_cache_period(tenant, sf, sf_sim):
    sf_sim.requests.clear()
    assert lookup(tenant, "+420 608 000 999") == []
    assert lookup(tenant, "608000999") == []  # same number in another format
    assert searches(sf_sim) == 1
    live.forget_unknown(sf.pk, "+420608000999")
    assert lookup(tenant, "+420608000999") == []
    assert searches(sf_sim) == 2


def test_no_negative_cache_when_its_period_is_zero(tenant, sf, sf_sim):
    policy(sf, negative_cache_seconds=0)
    sf_sim.requests.clear()
    lookup(tenant, "+420 608 000 999")
    lookup(tenant, "+420 608 000 999")
    assert searches(sf_sim) == 2


def test_the_lookup_answers_within_the_timeout_of_a_slow_crm(tenant, sf, sf_sim):
    policy(sf, live_lookup_timeout_ms=300)
    sf_sim.add_contact(FirstName="Slow", LastName="Crm", Phone=NEW_NUMBER)
    sf_sim.latency = 2.0
    started = time.monotonic()
    assert lookup(tenant, NEW_NUMBER) == []
    assert time.monotonic() - started < 0.3 + 0.4
    assert not live.is_known_unknown(sf.pk, "+420602555321")  # no answer is not "nobody"


def test_the_callers_timeout_caps_the_policys(tenant, sf, sf_sim):
    sf_sim.latency = 2.0
    started = time.monotonic()
    assert lookup(tenant, NEW_NUMBER, timeout_ms=150) == []
    assert time.monotonic() - started < 0.15 + 0.4


def test_a_crm_failure_is_a_miss_not_an_error(tenant, sf, sf_sim, caplog):
    sf_sim.fail_next(status=400, body=[{"errorCode": "INVALID_SEARCH", "message": "no"}])
    assert lookup(tenant, NEW_NUMBER) == []
    assert "live lookup in connector" in caplog.text and "602" not in caplog.text
    assert not live.is_known_unknown(sf.pk, "+420602555321")


@pytest.mark.parametrize(
    "switch",
    [
        {"policy": {"live_lookup": False}},
        {"live": False},
        {"breaker": True},
        {"status": "needs_reauth"},
    ],
    ids=["policy-off", "caller-local-only", "breaker-open", "not-authorized"],
)
def test_connectors_that_may_not_be_asked_are_not(tenant, sf, sf_sim, switch):
    sf_sim.add_contact(FirstName="Not", LastName="Asked", Phone=NEW_NUMBER)
    policy(sf, **switch.get("policy", {}))
    if switch.get("breaker"):
        until = (timezone.now() + timedelta(minutes=5)).isoformat()
        sf.state = {BREAKER_KEY: {"open": True, "until": until, "reason": "429"}}
        sf.save(update_fields=["state"])
    if switch.get("status"):
        sf.status = switch["status"]
        sf.save(update_fields=["status"])
    sf_sim.requests.clear()
    assert lookup(tenant, NEW_NUMBER, live=switch.get("live", True)) == []
    assert searches(sf_sim) == 0


def test_a_lookup_in_flight_for_the_number_is_waited_for_not_repeated(tenant, sf, sf_sim):
    """Single flight: the other lookup holds the lock; this one asks nothing and, once the
    other is done, answers from the store."""
    lock = live._key("asking", sf.pk, "+420602555321")
    cache.add(lock, 1, 5)
    threading.Timer(0.2, cache.delete, [lock]).start()
    sf_sim.requests.clear()
    started = time.monotonic()
    assert lookup(tenant, NEW_NUMBER) == []
    assert 0.15 < time.monotonic() - started < 1.0
    assert searches(sf_sim) == 0


def test_the_connectors_region_reads_national_numbers(tenant, sf, sf_sim):
    """A UK CRM in a CZ tenant: its national numbers are UK numbers."""
    policy(sf, region="GB", live_lookup=False)
    [row] = store_found(sf, [CrmContact(crm_id="003UK", phones=["020 7946 0958"])])
    assert row.phones == ["+442079460958"] and row.phone_numbers.get().valid
    assert [m.crm_id for m in lookup(tenant, "+44 20 7946 0958")] == ["003UK"]
    assert [m.crm_id for m in lookup(tenant, "020 7946 0958")] == ["003UK"]


def test_lookup_never_returns_another_tenants_records(tenant, other_tenant, sf, sf_sim):
    make_contact(other_tenant, crm_id="003THEIRS", phones=["+420 773 794 804"])
    make_contact(tenant, connector=sf, crm_id="003OURS", phones=["+420 773 794 804"])
    assert [m.crm_id for m in lookup(tenant, "+420773794804")] == ["003OURS"]
    theirs = Contact.objects.unscoped().get(crm_id="003THEIRS").connector
    assert lookup(tenant, "+420773794804", connectors=[theirs]) == []


def test_a_known_caller_costs_four_queries_and_no_crm_request(
    tenant, sf, sf_sim, django_assert_max_num_queries
):
    make_contact(tenant, connector=sf, crm_id="003FAST", phones=["+420 773 794 804"])
    sf_sim.requests.clear()
    with django_assert_max_num_queries(4):  # connectors, policies, phone rows, records
        assert [m.crm_id for m in lookup(tenant, "+420773794804")] == ["003FAST"]
    assert searches(sf_sim) == 0


@pytest.mark.postgres  # threads with their own connections must see the committed rows
@pytest.mark.django_db(transaction=True)
def test_two_lookups_of_one_unknown_number_at_once_make_one_crm_request(tenant, sf, sf_sim):
    sf_sim.latency = 0.3
    sf_sim.requests.clear()
    barrier, results = threading.Barrier(2), []

    def call():
        try:
            barrier.wait()
            results.append(lookup(tenant, "+420 608 000 999"))
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert results == [[], []]
    assert searches(sf_sim) == 1


def test_negative_cache_in_bulk_round_trips():
    live.remember_unknowns(7, ["+420600000001", "+420600000002"], 60)
    live.remember_unknowns(7, ["+420600000003"], 0)  # 0 s: not remembered
    found = live.known_unknowns(7, ["+420600000001", "+420600000002", "+420600000003"])
    assert found == {"+420600000001", "+420600000002"}
    assert live.known_unknowns(8, ["+420600000001"]) == set()  # per connector
    assert live.is_known_unknown(7, "+420600000002")
