import itertools
import random
from datetime import datetime
from types import SimpleNamespace

from calls.folding import fold
from calls.models import Call, CallActivity
from calls.services import fold_calls
from calls.validation import validate_event
from tests.calls.conftest import event, sweep_now

URL = "/api/v1/call-events/"


def _stored(raw: dict):
    clean, errors = validate_event(raw)
    assert not errors
    data = {
        k: v
        for k, v in clean.items()
        if k not in ("event_id", "call_id", "activity_id", "type", "occurred_at")
        and v not in (None, "")
    }
    return SimpleNamespace(
        event_id=clean["event_id"],
        type=clean["type"],
        occurred_at=clean["occurred_at"],
        activity_id=clean["activity_id"],
        data=data,
    )


def transfer_call():
    """Ringing to A, A answers, transfers to B, B answers, call ends (two agent legs)."""
    a = {"activity_id": "act-a", "agent_id": "anna", "agent_email": "anna@acme.com"}
    b = {"activity_id": "act-b", "agent_id": "bob", "agent_email": "bob@acme.com"}
    return [
        event("T1", "ringing", "2026-11-20T10:00:00+01:00", **a),
        event("T1", "answered", "2026-11-20T10:00:07+01:00", **a),
        event("T1", "transferred", "2026-11-20T10:01:00+01:00", **a),
        event("T1", "ringing", "2026-11-20T10:01:01+01:00", **b),
        event("T1", "answered", "2026-11-20T10:01:04+01:00", **b),
        event("T1", "ended", "2026-11-20T10:03:04+01:00", duration_seconds=177, **b),
    ]


def test_fold_of_a_transfer():
    state = fold([_stored(e) for e in transfer_call()])
    assert state.ended and state.status == "answered"
    assert state.agent_id == "bob" and state.duration_seconds == 177
    assert state.started_at == datetime.fromisoformat("2026-11-20T10:00:00+01:00")
    assert state.answered_at == datetime.fromisoformat("2026-11-20T10:00:07+01:00")
    assert set(state.activities) == {"act-a", "act-b"} and state.wait_seconds == 7


def test_every_permutation_and_duplicates_fold_the_same():
    events = [_stored(e) for e in transfer_call()]
    expected = fold(events)
    for perm in itertools.permutations(events):
        assert fold(list(perm)) == expected
    assert fold(events + events[:3]) == expected


def test_call_not_ended_while_a_leg_is_open():
    events = [_stored(e) for e in transfer_call()]
    without_final = [e for e in events if e.type != "ended"]
    assert not fold(without_final).ended


def test_private_wins_whatever_the_order():
    evs = [
        _stored(event("P", "ringing", privacy="private")),
        _stored(event("P", "ended", "2026-11-20T10:05:00+01:00", privacy="work")),
    ]
    assert fold(evs).privacy == "private" and fold(evs[::-1]).privacy == "private"


def test_missed_call_status():
    state = fold(
        [_stored(event("M", "ringing")), _stored(event("M", "missed", "2026-11-20T10:00:30+01:00"))]
    )
    assert state.ended and state.status == "missed" and state.duration_seconds == 0


def test_shuffled_delivery_through_the_api_converges(api, tenant, run_on_commit):
    events = transfer_call()
    for ev in random.Random(7).sample(events, len(events)):
        run_on_commit(api.post, URL, ev, format="json")
    run_on_commit(api.post, URL, events[:2], format="json")  # re-delivered duplicates
    sweep_now(run_on_commit)  # events after the end event are folded by the sweeper
    call = Call.objects.get(tenant=tenant, call_id="T1")
    assert call.ended and call.agent_email == "bob@acme.com" and call.duration_seconds == 177
    legs = CallActivity.objects.unscoped().filter(call=call).order_by("started_at")
    assert [a.activity_id for a in legs] == ["act-a", "act-b"]
    assert legs[0].ended_at is not None and legs[1].answered_at is not None
    before = Call.objects.unscoped().filter(pk=call.pk).values().get()
    fold_calls(tenant.pk, ["T1"])  # re-folding changes nothing but the timestamp
    after = Call.objects.unscoped().filter(pk=call.pk).values().get()
    before.pop("updated_at"), after.pop("updated_at")
    assert before == after


def test_phone_search_in_any_format(api, tenant, run_on_commit):
    run_on_commit(api.post, URL, event("S1", "ringing", caller="773 794 804"), format="json")
    sweep_now(run_on_commit)
    for query in ("+420773794804", "00420 773 794 804", "773794804"):
        assert list(
            Call.objects.for_tenant(tenant).by_phone(query, "CZ").values_list("call_id", flat=True)
        ) == ["S1"]
