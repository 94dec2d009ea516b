"""Query-count helpers for tests that bound the queries of a list request."""

from django.db import connection


def budget_queries() -> int:
    """The count's time budget on PostgreSQL (portal/paging.py), inside the test's transaction:
    SAVEPOINT, SET LOCAL, its reset, RELEASE (a request outside a transaction sends the SET
    LOCAL only). 0 elsewhere."""
    return 4 if connection.vendor == "postgresql" else 0
