"""The call-log kind of outbox row: its payload (a CallLog as JSON).

Registered with the delivery app in CallsConfig.ready (kind "call_log", CRM object "Task");
a batch is written by calls/log_writes.py (send_call_logs). No model imports here: apps.py
imports this module before the app registry is ready.
"""

from dataclasses import asdict
from datetime import datetime

from connectors.types import CallLog

CALL_LOG = "call_log"
DATES = ("started_at", "ended_at", "due_at")


def _dt(value):
    return datetime.fromisoformat(value) if isinstance(value, str) and value else value


def call_log_from(payload: dict) -> CallLog:
    data = dict(payload)
    for name in DATES:
        data[name] = _dt(data.get(name))
    return CallLog(**data)


def call_log_payload(log_: CallLog) -> dict:
    data = asdict(log_)
    for name in DATES:
        if data.get(name) is not None:
            data[name] = data[name].isoformat()
    return data
