"""The calls list's CSV export, streamed: the first row leaves at once, memory stays flat.

The calls are read in keyset chunks of CHUNK (the list's order and filters, no OFFSET, no
server-side cursor, so it works behind PgBouncer too) as plain tuples (no model instances),
each chunk with one query for its sync records; a chunk is written as soon as it is read.
Same columns as before.
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
# id and started_at first: the keyset (started_at, id) of a row is row[1], row[0]
COLUMNS = ("id", "started_at", "call_id", *HEADER[2:-1])
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


def csv_response(qs, tenant) -> StreamingHttpResponse:
    response = StreamingHttpResponse(rows(qs, tenant), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="calls.csv"'
    return response


def chunks(qs, size: int = CHUNK):
    """The calls of `qs` in the list's order, `size` at a time (lists of COLUMNS tuples)."""
    qs = qs.values_list(*COLUMNS)
    last = None
    while True:
        page = qs if last is None else CALLS_KEYSET.after(qs, [last[1], last[0]])
        batch = list(page.order_by(*CALLS_KEYSET.ordering())[:size])
        if not batch:
            return
        yield batch
        if len(batch) < size:
            return
        last = batch[-1]


def rows(qs, tenant):
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    names = dict(ConnectorAccount.objects.for_tenant(tenant).values_list("id", "name"))
    for batch in chunks(qs):
        syncs: dict[int, list[str]] = {}
        records = (
            SyncRecord.objects.for_tenant(tenant)
            .filter(call_id__in=[c[0] for c in batch])
            .order_by("id")
            .values_list("call_id", "connector_id", "state", "reason")
        )
        for call_id, connector_id, state, reason in records:
            syncs.setdefault(call_id, []).append(
                f"{names.get(connector_id, '')}: {state}{' (' + reason + ')' if reason else ''}"
            )
        out = []
        for _id, started, *rest in batch:
            out.append(
                writer.writerow(
                    [
                        _safe(rest[0]),
                        started.isoformat() if started else "",
                        *map(_safe, rest[1:]),
                        "; ".join(syncs.get(_id, ())),
                    ]
                )
            )
        yield "".join(out)
