"""Routing's rule columns for records a live search found and a worker has not stored yet
(lookup(later=True), contacts/found.py): the same columns `routing.rows_for_contacts` reads
from the store, computed from the CRM's records as the import would store them."""

import json

from django.db import connection

from contacts.models import FieldMapping, UserMapping

MAX_ROWS = 20  # as routing.MAX_CALLER_ROWS


def rows_for_records(tenant, accounts, matches, fields: list[str], owner: bool) -> list[dict]:
    """The rule columns of records read live and not stored yet, as rows_for_contacts gives
    them: each field through the connector's field mapping (crm field -> the `fields` key the
    import would store), the owner's mapped agent phone."""
    matches = matches[:MAX_ROWS]
    if not matches:
        return []
    kinds = {a.pk: a.provider for a in accounts}
    names: dict[tuple, list[str]] = {}  # (connector, crm object, cc field) -> crm fields
    phones: dict[tuple[int, str], str] = {}  # (connector, crm user) -> agent phone
    owners = sorted({m.owner_crm_id for m in matches if m.owner_crm_id}) if owner else []
    for what, cid, obj, crm_name, value in _mappings(tenant, matches, fields, owners):
        if what == "f":
            names.setdefault((cid, obj.lower(), value), []).append(crm_name)
        else:
            phones.setdefault((cid, crm_name), value)
    rank = {"contact": 0, "lead": 1}
    rows = []
    for m in sorted(matches, key=lambda m: rank.get(m.type, 2)):
        row = {"contact_id": None, "exact": 0}
        crm_fields = m.record.fields or {}
        obj = dict(kinds[m.connector_id].record_objects).get(m.type, m.type).lower()
        for i, name in enumerate(fields):
            crm_names = names.get((m.connector_id, obj, name), [])
            row[f"f{i}"] = _as_text(crm_fields.get(crm_names[-1])) if crm_names else None
        if owner:
            row["agent_phone"] = phones.get((m.connector_id, m.owner_crm_id))
        rows.append(row)
    return rows


def _mappings(tenant, matches, fields: list[str], owners: list[str]) -> list[tuple]:
    """The field mappings of `fields` and the user mappings of `owners` of the matches'
    connectors, in one round trip (hand-written: two ORM queries cost ~2 ms of CPU more)."""
    if not fields and not owners:
        return []
    fm, um = FieldMapping._meta.db_table, UserMapping._meta.db_table
    params = {"t": tenant.pk}
    ids = _marks(params, "c", sorted({m.connector_id for m in matches}))
    parts = []
    if fields:  # only table names from _meta are interpolated; every value is bound
        parts.append(
            f"SELECT 'f', connector_id, crm_object, crm_field, cc_field FROM {fm}"  # noqa: S608
            f" WHERE tenant_id = %(t)s AND connector_id IN ({ids})"
            f" AND cc_field IN ({_marks(params, 'f', fields)}) AND missing_since IS NULL"
        )
    if owners:
        parts.append(
            f"SELECT 'u', connector_id, '', crm_user_id, agent_phone FROM {um}"  # noqa: S608
            f" WHERE tenant_id = %(t)s AND connector_id IN ({ids})"
            f" AND crm_user_id IN ({_marks(params, 'u', owners)}) AND agent_phone <> ''"
        )
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return cursor.fetchall()


def _marks(params: dict, prefix: str, values) -> str:
    for n, value in enumerate(values):
        params[f"{prefix}{n}"] = value
    return ", ".join(f"%({prefix}{n})s" for n in range(len(values)))


def _as_text(value):
    """A JSON value as PostgreSQL's `fields ->> 'name'` gives it (None for null)."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)
