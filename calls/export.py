"""The calls list's CSV export, streamed: the first row leaves at once, memory stays flat.

The calls are read in keyset chunks of CHUNK (the list's order and filters, no OFFSET, no
server-side cursor, so it works behind PgBouncer too), each with one query for its sync
records; a row is written as soon as its chunk is read. Same columns as before.
"""

import csv

from django.http import StreamingHttpResponse

from calls.filters import CALLS_KEYSET
from connectors.models import ConnectorAccount
from delivery.models import SyncRecord

CHUNK = 2000
HEADER = [
    "call_id",
    "started_at",
    "direction",
    "caller",
    "callee",
    "queue",
    "status",
    "duration_seconds",
    "agent_email",
    "privacy",
    "sync",
]
COLUMNS = ("id", "tenant", *HEADER[:-1])
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _safe(value):
    """Neutralise spreadsheet formulas in exported text (CSV injection, OWASP rule).

    A cell starting with = + - @ tab or CR is prefixed with a single quote, so the spreadsheet
    shows it as text. No exceptions: "-2+3" and "+1-1" are formulas too, and a phone number
    such as +420... is shown as '+420... rather than evaluated. Leading spaces are skipped when
    looking (some spreadsheets trim them before evaluating)."""
    text = "" if value is None else str(value)
    return "'" + text if text.lstrip(" ").startswith(FORMULA_STARTS) else text


class _Echo:
    def write(self, value):
        return value


def csv_response(qs) -> StreamingHttpResponse:
    response = StreamingHttpResponse(rows(qs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="calls.csv"'
    return response


def chunks(qs, size: int = CHUNK):
    """The calls of `qs` in the list's order, `size` at a time (lists of Call, few columns)."""
    qs = qs.only(*COLUMNS)
    last = None
    while True:
        page = qs if last is None else CALLS_KEYSET.after(qs, CALLS_KEYSET.values(last))
        batch = list(page.order_by(*CALLS_KEYSET.ordering())[:size])
        if not batch:
            return
        yield batch
        if len(batch) < size:
            return
        last = batch[-1]


def rows(qs):
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    names: dict[int, str] = {}
    tenant_id = None
    for batch in chunks(qs):
        tenant_id = tenant_id or batch[0].tenant_id
        syncs: dict[int, list[str]] = {}
        records = (
            SyncRecord.objects.for_tenant(tenant_id)
            .filter(call_id__in=[c.pk for c in batch])
            .order_by("id")
            .values_list("call_id", "connector_id", "state", "reason")
        )
        for call_id, connector_id, state, reason in records:
            if connector_id not in names:
                names.update(
                    ConnectorAccount.objects.for_tenant(tenant_id).values_list("id", "name")
                )
                names.setdefault(connector_id, "")
            name = names.get(connector_id, "")
            syncs.setdefault(call_id, []).append(
                f"{name}: {state}{' (' + reason + ')' if reason else ''}"
            )
        out = []
        for call in batch:
            out.append(
                writer.writerow(
                    [
                        _safe(v)
                        for v in (
                            call.call_id,
                            call.started_at.isoformat() if call.started_at else "",
                            call.direction,
                            call.caller,
                            call.callee,
                            call.queue,
                            call.status,
                            call.duration_seconds,
                            call.agent_email,
                            call.privacy,
                            "; ".join(syncs.get(call.pk, ())),
                        )
                    ]
                )
            )
        yield "".join(out)
