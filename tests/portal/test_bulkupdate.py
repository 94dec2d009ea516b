"""bulk_update as one UPDATE ... FROM unnest(...) (portal/bulkupdate.py) writes what Django's
bulk_update writes, only on rows the queryset still matches."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from calls.models import Call
from portal import bulkupdate

pytestmark = pytest.mark.django_db


def _calls(tenant, n=3):
    return [Call.objects.create(tenant=tenant, call_id=f"C{i}", status="new") for i in range(n)]


def test_writes_every_field_of_every_row(tenant, other_tenant):
    rows = _calls(tenant) + _calls(other_tenant, 1)
    for i, row in enumerate(rows):
        row.tags = [f'quote " and \\ back {i}', {"n": i}, None]
        row.notes = f"line\n{i}" if i else ""
        row.started_at = datetime(2026, 11, 20, 8, i, tzinfo=UTC) if i % 2 else None
        row.duration_seconds = i * 10
    with CaptureQueriesContext(connection) as queries:
        assert (
            Call.objects.bulk_update(rows, ["tags", "notes", "started_at", "duration_seconds"]) == 4
        )
    if connection.vendor == "postgresql":
        assert len(queries) == 1 and "unnest(" in queries[0]["sql"]
    for i, row in enumerate(Call.objects.unscoped().order_by("pk")):
        assert row.tags == [f'quote " and \\ back {i}', {"n": i}, None]
        assert row.notes == (f"line\n{i}" if i else "")
        assert row.started_at == (datetime(2026, 11, 20, 8, i, tzinfo=UTC) if i % 2 else None)
        assert row.duration_seconds == i * 10
        assert row.status == "new"  # not among the fields


def test_rows_the_queryset_no_longer_matches_are_left_alone(tenant, other_tenant):
    rows = _calls(tenant)
    Call.objects.for_tenant(tenant).filter(pk=rows[1].pk).update(status="taken")
    for row in rows:
        row.notes = "written"
    assert Call.objects.for_tenant(tenant).filter(status="new").bulk_update(rows, ["notes"]) == 2
    notes = dict(Call.objects.for_tenant(tenant).values_list("call_id", "notes"))
    assert notes == {"C0": "written", "C1": "", "C2": "written"}
    # Another tenant's scope writes none of them.
    assert Call.objects.for_tenant(other_tenant).bulk_update(rows, ["status"]) == 0


def test_what_it_does_not_cover_goes_to_djangos_bulk_update(tenant):
    rows = _calls(tenant)
    for row in rows:
        row.duration_seconds = F("duration_seconds") + 5
    assert not bulkupdate.supported(Call.objects.for_tenant(tenant), rows, ["duration_seconds"])
    assert Call.objects.bulk_update(rows, ["duration_seconds"]) == 3
    assert set(Call.objects.for_tenant(tenant).values_list("duration_seconds", flat=True)) == {5}
    joined = Call.objects.for_tenant(tenant).filter(tenant__slug=tenant.slug)
    assert not bulkupdate.supported(joined, rows, ["notes"])
    if connection.vendor == "postgresql":
        assert bulkupdate.supported(Call.objects.for_tenant(tenant), rows, ["notes"])
        assert (
            bulkupdate.bulk_update(
                Call.objects.for_tenant(tenant).filter(pk__in=[]), rows, ["notes"]
            )
            == 0
        )
