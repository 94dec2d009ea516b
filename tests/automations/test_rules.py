"""Trigger conditions, callback duplicate rules and the age window (no CRM involved)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from automations.callbacks import decide_callback
from automations.models import CallbackProfile, CallbackRequest, CallbackState, Trigger
from automations.tasks import sweep_callbacks
from tests.factories import make_connector


def call(**kw):
    base = dict(queue="Support", status="missed", direction="in")
    return SimpleNamespace(**{**base, **kw})


@pytest.mark.parametrize(
    "conditions, the_call, matches",
    [
        ({}, call(), True),  # empty = any
        ({"queues": ["Support"]}, call(), True),
        ({"queues": ["Sales"]}, call(), False),
        ({"queues": ["Sales", "Support"]}, call(), True),
        ({"statuses": ["missed"]}, call(status="answered"), False),
        ({"statuses": ["missed", "abandoned"]}, call(status="abandoned"), True),
        ({"directions": ["out"]}, call(), False),
        ({"directions": ["in"], "statuses": ["missed"], "queues": ["Support"]}, call(), True),
        (
            {"directions": ["in"], "statuses": ["missed"], "queues": ["Support"]},
            call(queue="Sales"),
            False,
        ),
        (
            {"queues": ["Support"]},
            call(queue=""),
            False,
        ),  # a call without a queue never matches a queue list
    ],
)
def test_trigger_conditions(conditions, the_call, matches):
    trigger = Trigger(**conditions)
    assert (trigger.mismatch(the_call) == "") is matches


def test_mismatch_says_why():
    assert (
        Trigger(statuses=["missed"]).mismatch(call(status="answered"))
        == "status answered is not one of missed"
    )


@pytest.fixture
def profile(tenant):
    return CallbackProfile.objects.create(
        tenant=tenant, connector=make_connector(tenant), name="Support", callback_list="support-cb"
    )


def request_row(
    tenant, n, phone="+420773794804", queue="Support", minutes_ago=10, state=CallbackState.RECEIVED
):
    return CallbackRequest.objects.create(
        tenant=tenant,
        request_id=f"r{n}",
        callback_list="support-cb",
        phone=phone,
        phone_e164=phone,
        queue=queue,
        requested_at=timezone.now() - timedelta(minutes=minutes_ago),
        state=state,
    )


def decide_in_order(tenant, profile, rows):
    for row in rows:
        state, reason, first = decide_callback(row, profile)
        row.profile, row.state, row.reason, row.bundled_with = profile, state, reason, first
        row.save()
    return [(r.state, r.bundled_with.request_id if r.bundled_with else None) for r in rows]


def test_ignore_creates_one_record_per_number_and_queue_while_open(tenant, profile):
    profile.duplicates = "ignore"
    rows = [
        request_row(tenant, 1),
        request_row(tenant, 2),
        request_row(tenant, 3, queue="Sales"),
        request_row(tenant, 4, phone="+420111222333"),
        request_row(tenant, 5),
    ]
    assert decide_in_order(tenant, profile, rows) == [
        ("queued", None),
        ("ignored", "r1"),
        ("queued", None),
        ("queued", None),
        ("ignored", "r1"),
    ]
    rows[0].state = CallbackState.CLOSED  # once the first is closed, a new request is synced again
    rows[0].save()
    later = request_row(tenant, 6)
    assert decide_callback(later, profile)[0] == "queued"


def test_bundle_syncs_all_and_links_to_the_first(tenant, profile):
    rows = [
        request_row(tenant, 1),
        request_row(tenant, 2),
        request_row(tenant, 3, queue="Sales"),
        request_row(tenant, 4, phone="+420111222333"),
    ]
    assert decide_in_order(tenant, profile, rows) == [
        ("queued", None),
        ("queued", "r1"),
        ("queued", "r1"),
        ("queued", None),
    ]
    assert rows[1].reason == "bundled with request r1"


@pytest.mark.parametrize(
    "unit, age, minutes_ago, synced",
    [
        ("hours", 2, 119, True),
        ("hours", 2, 120, False),
        ("hours", 2, 121, False),
        ("minutes", 30, 29, True),
        ("minutes", 30, 30, False),
        ("days", 1, 60 * 24 - 1, True),
        ("days", 1, 60 * 24 + 1, False),
    ],
)
def test_age_window_edges(tenant, profile, unit, age, minutes_ago, synced):
    profile.sync_method, profile.age_unit, profile.age = "age_window", unit, age
    now = timezone.now()
    row = request_row(tenant, 1)
    row.requested_at = now - timedelta(minutes=minutes_ago)
    state, reason, _ = decide_callback(row, profile, now=now)
    assert (state == "queued") is synced
    if not synced:
        assert "age window" in reason


def test_all_open_ignores_age(tenant, profile):
    row = request_row(tenant, 1, minutes_ago=60 * 24 * 365)
    assert decide_callback(row, profile)[0] == "queued"


def test_no_profile_is_skipped_with_reason(tenant):
    row = request_row(tenant, 1)
    state, reason, _ = decide_callback(row, None)
    assert state == "skipped" and "support-cb" in reason


def test_sweeper_decides_requests_whose_message_was_lost(tenant, profile, other_tenant):

    row = request_row(tenant, 1)  # stored, but the processing message never arrived
    CallbackRequest.objects.unscoped().filter(pk=row.pk).update(
        received_at=timezone.now() - timedelta(minutes=1)
    )
    fresh = request_row(other_tenant, 2)  # just received: left to its own message
    assert sweep_callbacks() == 1
    row.refresh_from_db()
    fresh.refresh_from_db()
    assert row.state == "queued" and fresh.state == "received"
