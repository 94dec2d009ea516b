"""`QuerySet.bulk_update` as one `UPDATE ... FROM unnest(...)` on PostgreSQL.

Django's bulk_update writes `SET f = CASE WHEN id = 1 THEN ... WHEN id = 2 THEN ... END` for
every field, and resolves one `When` expression per row and field in Python first: for the 200
rows of a delivery batch and three JSON fields that was 14% of a Celery worker's time in
`bench/ingest.py`'s end-to-end run. Here the values go as one array per column, joined on the
primary key, with the queryset's own conditions (a row that no longer matches them is left
alone, as with bulk_update). Anything this does not cover (expressions as values, conditions
that need a join, other databases) falls back to Django's bulk_update.
"""

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.db import connections
from django.db.models import Expression


def supported(queryset, objs, fields) -> bool:
    if connections[queryset.db].vendor != "postgresql" or not objs:
        return False
    query = queryset.query
    joined = [a for a in query.alias_map if query.alias_refcount.get(a)]  # trimmed joins: 0
    if len(joined) > 1 or query.is_sliced or query.combinator:
        return False
    model_fields = [queryset.model._meta.get_field(name) for name in fields]
    if any(not f.concrete or f.many_to_many or f.primary_key for f in model_fields):
        return False
    return not any(
        isinstance(getattr(o, f.attname), Expression) for o in objs for f in model_fields
    )


def bulk_update(queryset, objs, fields) -> int:
    """Update `fields` of `objs` that the queryset still matches; returns the rows updated."""
    connection = connections[queryset.db]
    meta = queryset.model._meta
    table = connection.ops.quote_name(meta.db_table)
    pk = meta.pk
    model_fields = [meta.get_field(name) for name in fields]
    columns, arrays, sets = [], [], []
    for i, field in enumerate([pk, *model_fields]):
        column = connection.ops.quote_name(field.column)
        columns.append(f"%s::{field.db_type(connection)}[]")
        arrays.append([field.get_db_prep_save(getattr(o, field.attname), connection) for o in objs])
        if i:
            sets.append(f"{column} = v.c{i}")
    names = ", ".join(f"c{i}" for i in range(len(columns)))
    compiler = queryset.query.get_compiler(connection=connection)
    try:
        where, where_params = compiler.compile(queryset.query.where)
    except EmptyResultSet:  # e.g. filter(pk__in=[]): nothing can match
        return 0
    except FullResultSet:
        where, where_params = "", []
    # Identifiers are quoted by Django, the WHERE is Django's own compiled SQL, values are bound.
    pk_column = connection.ops.quote_name(pk.column)
    sql = f"UPDATE {table} SET {', '.join(sets)} FROM unnest({', '.join(columns)}) AS v({names}) "  # noqa: S608
    sql += f"WHERE {table}.{pk_column} = v.c0" + (f" AND ({where})" if where else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*arrays, *where_params])
        return cursor.rowcount
