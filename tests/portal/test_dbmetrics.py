"""The database series (portal/dbmetrics): one count per statement, errors by type."""

import pytest
from django.db import DatabaseError, connection
from prometheus_client import REGISTRY

pytestmark = pytest.mark.django_db


def _value(name, **labels):
    labels = {"alias": "default", "vendor": connection.vendor, **labels}
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_each_statement_counts_once_and_bulk_rows_each():
    executed = _value("django_db_execute_total")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE dbm_probe (n integer)")
        cursor.execute("SELECT 2")
        cursor.executemany("INSERT INTO dbm_probe (n) VALUES (%s)", [(1,), (2,), (3,)])
    assert _value("django_db_execute_total") - executed == 5
    many = _value("django_db_execute_many_total")
    with connection.cursor() as cursor:
        cursor.executemany("INSERT INTO dbm_probe (n) VALUES (%s)", [(4,), (5,)])
    assert _value("django_db_execute_many_total") - many == 2


def test_a_failed_statement_counts_as_an_error_of_its_type_and_still_raises():
    errors = sum(
        _value("django_db_errors_total", type=t) for t in ("ProgrammingError", "OperationalError")
    )
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table_here")
    after = sum(
        _value("django_db_errors_total", type=t) for t in ("ProgrammingError", "OperationalError")
    )
    assert after - errors == 1


def test_a_callers_own_execute_wrapper_runs_inside_and_leaves_the_counter():
    seen = []

    def spy(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    before = list(connection.execute_wrappers)
    executed = _value("django_db_execute_total")
    with connection.execute_wrapper(spy), connection.cursor() as cursor:
        cursor.execute("SELECT 3")
    assert seen == ["SELECT 3"]
    assert _value("django_db_execute_total") - executed == 1
    assert connection.execute_wrappers == before
