"""Keyset (cursor) paging for the big lists: a late page costs what the first one does.

A list is ordered by a few columns ending with `id`, all in one direction (`Keyset`). A page
is the `size` rows after (or before) a cursor: the last (first) row's values of those columns,
base64 JSON in `?cursor=`. Only the first column may be NULL, sorted first in descending
order (calls without a start time come first on PostgreSQL and SQLite alike).

`?page=N` (the old OFFSET links) still works: that page skips its OFFSET rows reading only
their ids, then reads its own rows by id, and its next / previous links are cursors again.

`count` is cheap: exact up to COUNT_CAP matching rows (a count over at most CAP + 1 rows),
above that PostgreSQL's planner estimate (never below CAP + 1); SQLite says CAP + 1. On
PostgreSQL the exact count also has a time budget (CONSOLE_COUNT_BUDGET_MS, a statement_timeout
on that one query): a filter the indexes cannot count in time (a rare sync state over a million
calls) gets the estimate too, so no count costs more than the budget.

`Keyset(..., unindexed=True)` sorts on `col || ''` / `id + 0`: the same order, but no btree can
serve it, so the planner finds the matches by another index (a trigram search) and sorts just
those, instead of walking the whole name index filtering row by row.

A Keyset subclass may know its filter better than the planner: `narrow()` cuts the queryset
down to a few candidate rows before the page is read, `count()` counts it its own way
(contacts.search.NameSearch: a one-word name search).
"""

import base64
import binascii
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import DatabaseError, connections, transaction
from django.db.models import F, Func, Q, TextField
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

COUNT_CAP = 10_000
MAX_PAGE_SIZE = 500


class BadCursor(ValueError):
    pass


def _nullable(model, name: str) -> bool:
    """Can the column hold NULL? (An annotation or unknown name: assume it can.)"""
    try:
        return model._meta.get_field(name).null
    except FieldDoesNotExist:
        return True


@dataclass(frozen=True)
class Keyset:
    fields: tuple[str, ...]  # e.g. ("started_at", "id"); the last one unique
    descending: bool = False
    unindexed: bool = False  # sort on expressions no index serves (module docstring)

    def ordering(self, reverse: bool = False) -> list:
        desc = self.descending != reverse
        keys = [_sort_key(name, self.unindexed) for name in self.fields]
        return [k.desc(nulls_first=True) if desc else k.asc(nulls_last=True) for k in keys]

    def values(self, row) -> list:
        return [getattr(row, name) for name in self.fields]

    def after(self, qs, values: list, reverse: bool = False):
        """Rows strictly after `values` in this order (`reverse`: strictly before)."""
        desc = self.descending != reverse
        first, *_rest = self.fields
        lookup = TupleLessThan if desc else TupleGreaterThan
        cols = Tuple(*[F(name) for name in self.fields])
        if values[0] is None:  # in the NULL block: it sorts first when descending
            rest = Tuple(*[F(name) for name in self.fields[1:]])
            in_block = Q(lookup(rest, tuple(values[1:])), **{f"{first}__isnull": True})
            return qs.filter(in_block | Q(**{f"{first}__isnull": False}) if desc else in_block)
        later = Q(lookup(cols, tuple(values)))
        if not _nullable(qs.model, first):
            # No NULL block to add: `OR col IS NULL` on a NOT NULL column kept PostgreSQL 15
            # from using the row comparison as an index bound in a prepared statement's generic
            # plan (the contacts list's last page: 5 s instead of 9 ms once psycopg prepared it).
            return qs.filter(later)
        return qs.filter(later if desc else later | Q(**{f"{first}__isnull": True}))

    def narrow(self, qs, values: list | None, reverse: bool, limit: int):
        """`qs`, or a subset of it that still holds its first `limit` rows after `values` (from
        the start when None) in this order (`reverse`: before, backwards)."""
        return qs

    def count(self, qs, cap: int) -> int | None:
        """The rows of `qs` (unordered) counted up to cap + 1; None when out of time."""
        return _budgeted_count(qs[: cap + 1])

    def encode(self, row, direction: str) -> str:
        raw = []
        for value in self.values(row):
            raw.append(None if value is None else _raw(value))
        data = json.dumps({"d": direction, "k": raw}, separators=(",", ":"))
        return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")

    def decode(self, cursor: str, model) -> tuple[str, list]:
        try:
            data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            direction, raw = data["d"], data["k"]
            if direction not in ("n", "p") or len(raw) != len(self.fields):
                raise ValueError
            values = []
            for i, (name, value) in enumerate(zip(self.fields, raw, strict=True)):
                if value is None:
                    if i:
                        raise ValueError
                    values.append(None)
                    continue
                if not isinstance(value, str | int):
                    raise ValueError
                parsed = model._meta.get_field(name).to_python(value)
                if parsed is None:
                    raise ValueError
                values.append(parsed)
            return direction, values
        except (ValueError, TypeError, KeyError, binascii.Error, ValidationError) as exc:
            raise BadCursor("The cursor is not valid; start again from the first page.") from exc


_PLAIN = Keyset(("id",))  # cheap_count without a list's keyset: the plain count


def _sort_key(name: str, unindexed: bool):
    if not unindexed:
        return F(name)
    if name == "id":
        return F(name) + 0
    return Func(F(name), template="(%(expressions)s || '')", output_field=TextField())


def _raw(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value if isinstance(value, int) else str(value)


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    previous_cursor: str | None
    count: int | None = None  # set by the pages (cheap_count)
    count_exact: bool = True
    past_end: bool = False  # `?page=N` beyond the last page: this is the first page instead

    def __iter__(self):
        return iter(self.rows)

    @property
    def object_list(self) -> list:
        return self.rows

    @property
    def paginator(self):  # templates written for Django's Page read page.paginator.count
        return self

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None


def page_of(qs, keyset: Keyset, *, size: int, cursor: str = "", page: str = "") -> Page:
    """One page of `qs` (unordered: the keyset orders it). Raises BadCursor."""
    model = qs.model
    if cursor:
        direction, values = keyset.decode(cursor, model)
        back = direction == "p"
        rows = list(
            keyset.after(keyset.narrow(qs, values, back, size + 1), values, reverse=back).order_by(
                *keyset.ordering(back)
            )[: size + 1]
        )
        more = len(rows) > size
        rows = rows[:size]
        if back:
            rows.reverse()
            has_next, has_prev = True, more
        else:
            has_next, has_prev = more, True
    else:
        number = int(page) if page.isdigit() and 0 < len(page) < 7 else 1
        offset = (number - 1) * size
        ordering = keyset.ordering()
        narrowed = keyset.narrow(qs, None, False, offset + size + 1).order_by(*ordering)
        if offset:
            # A deferred join: skip the first `offset` rows on the ordering's index reading only
            # their ids, then read the page's own rows by id (not every skipped row in full).
            ids = list(narrowed.values_list("pk", flat=True)[offset : offset + size + 1])
            rows = list(qs.filter(pk__in=ids).order_by(*ordering)) if ids else []
        else:
            rows = list(narrowed[: size + 1])
        has_next, has_prev = len(rows) > size, number > 1
        rows = rows[:size]
        if not rows and number > 1:  # past the end: the first page, as Paginator.get_page did
            first = page_of(qs, keyset, size=size)
            first.past_end = True
            return first
    return Page(
        rows,
        keyset.encode(rows[-1], "n") if rows and has_next else None,
        keyset.encode(rows[0], "p") if rows and has_prev else None,
    )


@dataclass(frozen=True)
class Count:
    n: int
    exact: bool


def cheap_count(qs, cap: int = COUNT_CAP, floor: int = 0, keyset: Keyset | None = None) -> Count:
    """Exact up to `cap` (and, on PostgreSQL, within CONSOLE_COUNT_BUDGET_MS), else the planner's
    row estimate for the query: at least cap + 1 above the cap, at least `floor` (the rows
    already seen) when out of time. `keyset`: the list's, which may count its own way."""
    n = (keyset or _PLAIN).count(qs.order_by(), cap)
    if n is None:
        return Count(max(floor, _estimate(qs)), False)
    if n <= cap:
        return Count(n, True)
    return Count(max(cap + 1, _estimate(qs)), False)


def _budgeted_count(qs) -> int | None:
    """qs.count(), or None when PostgreSQL could not count it in CONSOLE_COUNT_BUDGET_MS."""
    connection = connections[qs.db]
    budget_ms = int(settings.CONSOLE_COUNT_BUDGET_MS)
    if connection.vendor != "postgresql" or not budget_ms:
        return qs.count()
    nested = connection.in_atomic_block  # SET LOCAL would outlive our savepoint: undo it
    try:
        with transaction.atomic(using=qs.db), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {budget_ms}")
            n = qs.count()
            if nested:
                cursor.execute("SET LOCAL statement_timeout TO DEFAULT")
            return n
    except DatabaseError as exc:
        if getattr(exc.__cause__, "sqlstate", "") != "57014":  # query_canceled
            raise
        return None


def _estimate(qs) -> int:
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        return 0
    sql, params = qs.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def html_page(qs, keyset: Keyset, params, size: int = 50) -> Page:
    """A console page: `?cursor=` / `?page=` from the query string, a bad cursor = page 1,
    with its cheap count."""
    cursor, number = params.get("cursor", "").strip(), params.get("page", "").strip()
    try:
        page = page_of(qs, keyset, size=size, cursor=cursor, page=number)
    except BadCursor:
        page = page_of(qs, keyset, size=size)
    count = cheap_count(qs, floor=_seen(page), keyset=keyset)
    page.count, page.count_exact = count.n, count.exact
    return page


def _seen(page: Page) -> int:
    """A lower bound of the matching rows: this page, and one more when there is a next."""
    return len(page.rows) + page.has_next


def page_size(value, default: int, maximum: int = MAX_PAGE_SIZE) -> int:
    """`?page_size=`: a positive integer, clamped to `maximum`; anything else: `default`."""
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 6 or int(text) < 1:
        return default
    return min(int(text), maximum)


class KeysetPagination(pagination.BasePagination):
    """The API's lists ({"count", "next", "previous", "results"}) with cursor links.

    A view sets `keyset = Keyset(...)`. `?page_size=` is clamped to MAX_PAGE_SIZE (as the
    page-number pagination did); `?page=N` reads one page with OFFSET, for old clients."""

    page_size = 50

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        params = request.query_params
        size = page_size(params.get("page_size"), self.page_size)
        try:
            self.page = page_of(
                queryset,
                view.keyset,
                size=size,
                cursor=params.get("cursor", "").strip(),
                page=params.get("page", "").strip(),
            )
        except BadCursor as exc:
            raise exceptions.ValidationError({"cursor": [str(exc)]}) from None
        if self.page.past_end:  # the API answers a page that does not exist as DRF did: 404
            raise exceptions.NotFound("Invalid page.")
        self.count = cheap_count(queryset, floor=_seen(self.page), keyset=view.keyset)
        return self.page.rows

    def _link(self, cursor):
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(remove_query_param(url, "page"), "cursor", cursor)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count.n,
                "next": self._link(self.page.next_cursor),
                "previous": self._link(self.page.previous_cursor),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "description": f"Exact up to {COUNT_CAP:,}, else an estimate.",
                },
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": "From `next` / `previous`.",
                "schema": {"type": "string"},
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "description": f"Rows per page, at most {MAX_PAGE_SIZE} (more: clamped).",
                "schema": {"type": "integer"},
            },
        ]
