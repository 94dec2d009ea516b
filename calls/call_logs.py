"""The call-log kind of outbox row: its payload (a CallLog as JSON) and how a batch is sent.

Registered with the delivery app in CallsConfig.ready (kind "call_log", CRM object "Task").
"""

from dataclasses import asdict
from datetime import datetime

from connectors.types import CallLog, WriteResult

CALL_LOG = "call_log"


def _dt(value):
    return datetime.fromisoformat(value) if isinstance(value, str) and value else value


def call_log_from(payload: dict) -> CallLog:
    data = dict(payload)
    data["started_at"], data["ended_at"] = _dt(data.get("started_at")), _dt(data.get("ended_at"))
    return CallLog(**data)


def call_log_payload(log_: CallLog) -> dict:
    data = asdict(log_)
    for name in ("started_at", "ended_at"):
        if data[name] is not None:
            data[name] = data[name].isoformat()
    return data


def send_call_logs(connector, records: list) -> list[WriteResult]:
    return connector.log_calls([call_log_from(r.payload) for r in records])
