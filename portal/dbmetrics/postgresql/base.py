"""PostgreSQL with django-prometheus' database series (portal/dbmetrics)."""

from django.db.backends.postgresql import base

from portal.dbmetrics import CountingMixin


class DatabaseWrapper(CountingMixin, base.DatabaseWrapper):
    pass
