"""Fold a call's events into one picture, deterministically.

The fold is a pure function of the *set* of stored events: they are sorted by
(occurred_at, type rank, event_id) first, so duplicates (stored once) and out-of-order
arrival give the same result. Rules:

* direction / caller / callee: the earliest non-empty value; queue, recording_url, agent
  fields: the latest non-empty value; privacy: `private` if any event says so, else the latest.
* started_at = earliest event; answered_at = earliest `answered`; ended_at = latest end.
* status: the latest end event's `status`, else `answered` when any `answered` arrived,
  else `missed`; duration: the largest reported, else ended_at - answered_at.
* The call has ended when an `ended`/`missed` event exists and every known activity has
  closed (`ended`, `missed` or `transferred`); a transfer closes one agent's leg only.
* The call's agent is the agent of the last answered activity, else of the last activity.
* notes / disposition / tags (the agent's wrap-up): the latest event that carries them
  (tags: the latest event with a `tags` list, even an empty one). A `wrapup` event carries
  wrap-up data (and may add a recording or change privacy) but no call facts: it opens no
  leg, and its status, duration and time change nothing (it may arrive after `ended`).
"""

from dataclasses import dataclass, field
from datetime import datetime

TYPE_RANK = {"ringing": 0, "answered": 1, "transferred": 2, "missed": 3, "ended": 4, "wrapup": 5}
WRAPUP = "wrapup"
END_TYPES = ("ended", "missed")
CLOSING_TYPES = ("ended", "missed", "transferred")


@dataclass
class ActivityState:
    activity_id: str
    agent_id: str = ""
    agent_email: str = ""
    started_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass
class CallState:
    direction: str = ""
    caller: str = ""
    callee: str = ""
    queue: str = ""
    status: str = ""
    privacy: str = "work"
    agent_id: str = ""
    agent_email: str = ""
    started_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    duration_seconds: int = 0
    wait_seconds: int = 0
    recording_url: str = ""
    notes: str = ""
    disposition: str = ""
    tags: list[str] = field(default_factory=list)
    ended: bool = False
    activities: dict[str, ActivityState] = field(default_factory=dict)


def sort_key(event) -> tuple:
    return (event.occurred_at, TYPE_RANK.get(event.type, 9), event.event_id)


def fold(events) -> CallState:
    """`events`: objects with event_id, type, occurred_at, activity_id and a `data` dict."""
    state = CallState()
    ordered = sorted(events, key=sort_key)
    durations, waits, privacies = [], [], []
    end_status = ""
    for ev in ordered:
        d = ev.data or {}
        _first(state, "direction", d.get("direction"))
        _first(state, "caller", d.get("caller"))
        _first(state, "callee", d.get("callee"))
        _last(state, "queue", d.get("queue"))
        _last(state, "recording_url", d.get("recording_url"))
        _last(state, "notes", d.get("notes"))
        _last(state, "disposition", d.get("disposition"))
        if isinstance(d.get("tags"), list):
            state.tags = list(d["tags"])
        if d.get("privacy"):
            privacies.append(d["privacy"])
        if ev.type == WRAPUP:  # after-call work: no call facts (times, status, legs)
            continue
        if d.get("duration_seconds") is not None:
            durations.append(int(d["duration_seconds"]))
        if d.get("wait_seconds") is not None:
            waits.append(int(d["wait_seconds"]))
        if state.started_at is None:
            state.started_at = ev.occurred_at
        if ev.type == "answered" and state.answered_at is None:
            state.answered_at = ev.occurred_at
        if ev.type in END_TYPES:
            state.ended_at = ev.occurred_at
            end_status = d.get("status") or end_status or ""
            if ev.type == "missed" and not d.get("status"):
                end_status = "missed"
        if ev.activity_id:
            _fold_activity(state.activities, ev, d)
    if privacies:
        state.privacy = "private" if "private" in privacies else privacies[-1]
    state.status = end_status or ("answered" if state.answered_at else "")
    if not state.status and state.ended_at:
        state.status = "missed"
    if durations:
        state.duration_seconds = max(durations)
    elif state.answered_at and state.ended_at:
        state.duration_seconds = max(0, int((state.ended_at - state.answered_at).total_seconds()))
    if waits:
        state.wait_seconds = max(waits)
    elif state.started_at and (state.answered_at or state.ended_at):
        until = state.answered_at or state.ended_at
        state.wait_seconds = max(0, int((until - state.started_at).total_seconds()))
    all_closed = all(a.ended_at is not None for a in state.activities.values())
    state.ended = state.ended_at is not None and all_closed
    if state.started_at is None and ordered:  # only wrap-up events so far
        state.started_at = ordered[0].occurred_at
    _pick_agent(state, [ev for ev in ordered if ev.type != WRAPUP] or ordered)
    return state


def _first(state, name, value):
    if value and not getattr(state, name):
        setattr(state, name, value)


def _last(state, name, value):
    if value:
        setattr(state, name, value)


def _fold_activity(activities: dict, ev, d: dict) -> None:
    act = activities.get(ev.activity_id)
    if act is None:
        act = activities[ev.activity_id] = ActivityState(ev.activity_id, started_at=ev.occurred_at)
    if d.get("agent_id"):
        act.agent_id = d["agent_id"]
    if d.get("agent_email"):
        act.agent_email = d["agent_email"]
    if ev.type == "answered" and act.answered_at is None:
        act.answered_at = ev.occurred_at
    if ev.type in CLOSING_TYPES:
        act.ended_at = ev.occurred_at


def _pick_agent(state: CallState, ordered) -> None:
    acts = sorted(state.activities.values(), key=lambda a: (a.started_at, a.activity_id))
    answered = [a for a in acts if a.answered_at]
    chosen = (answered or acts or [None])[-1]
    if chosen and (chosen.agent_id or chosen.agent_email):
        state.agent_id, state.agent_email = chosen.agent_id, chosen.agent_email
        return
    for ev in ordered:  # events without activity ids still name an agent
        d = ev.data or {}
        _last(state, "agent_id", d.get("agent_id"))
        _last(state, "agent_email", d.get("agent_email"))
