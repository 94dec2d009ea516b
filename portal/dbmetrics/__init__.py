"""django-prometheus' database series, recorded by a lighter database backend.

django-prometheus' backend wrapper (django_prometheus.db.backends.*) records, for every query, a
label lookup and increment of `django_db_execute_total`, a 27-bucket duration histogram
(`django_db_query_duration_seconds`: a Python loop over the bounds and two locked writes into the
per-process file in multiprocess mode) and a new exception-counting context object. This
backend (settings.py sets ENGINE to portal.dbmetrics.<vendor> when METRICS_ENABLED) keeps
django-prometheus' metric objects and names for what deploy/grafana/ccportal.json and
docs/operations.md read, with the labelled children resolved once per connection:

  django_db_execute_total          statements by alias and vendor (executemany: each row)
  django_db_execute_many_total     rows of bulk executions
  django_db_errors_total           failed statements by exception type
  django_db_new_connections_total  / django_db_new_connection_errors_total

The per-query duration histogram is not recorded: nothing reads it, and PostgreSQL's own
pg_stat_statements times every statement without a cost in the portal's processes.
A query costs one increment, through Django's execute_wrappers (the documented hook).
"""

from django_prometheus.db import (
    connection_errors_total,
    connections_total,
    errors_total,
    execute_many_total,
    execute_total,
)


def _counter(alias: str, vendor: str):
    executed = execute_total.labels(alias, vendor)
    many = execute_many_total.labels(alias, vendor)

    def count_queries(execute, sql, params, is_many, context):
        if is_many:
            rows = len(params) if hasattr(params, "__len__") else 1
            executed.inc(rows)
            many.inc(rows)
        else:
            executed.inc()
        try:
            return execute(sql, params, is_many, context)
        except Exception as exc:
            errors_total.labels(alias, vendor, type(exc).__name__).inc()
            raise

    return count_queries


class CountingMixin:
    """Mixed into a vendor's DatabaseWrapper: the counter first in its execute_wrappers (a
    wrapper a caller adds with connection.execute_wrapper() runs inside it, and is removed
    without touching it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.execute_wrappers.insert(0, _counter(self.alias, self.vendor))

    def get_new_connection(self, *args, **kwargs):
        connections_total.labels(self.alias, self.vendor).inc()
        try:
            return super().get_new_connection(*args, **kwargs)
        except Exception:
            connection_errors_total.labels(self.alias, self.vendor).inc()
            raise
