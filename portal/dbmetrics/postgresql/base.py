"""PostgreSQL with django-prometheus' database series (portal/dbmetrics), lists bound in
psycopg's binary array format, and a health check that costs no round trip."""

import select

from django.db.backends.postgresql import base
from psycopg import pq
from psycopg.adapt import AdaptersMap
from psycopg.types.array import ListBinaryDumper

from portal.dbmetrics import CountingMixin


class DatabaseWrapper(CountingMixin, base.DatabaseWrapper):
    def get_connection_params(self):
        """With server-side binding, a list parameter goes in the binary array format.

        Django's bulk_create binds one array per column (`UNNEST(%s::jsonb[], ...)`); psycopg's
        default text format escapes every quote of every JSON value with a regex, about 9x the
        time of the binary format for a column of 200 call-log payloads (0.25 vs 0.03 ms a row).
        Client-side binding (DB_SERVER_SIDE_BINDING=false) needs the text literals: left alone.
        """
        params = super().get_connection_params()
        if self.settings_dict["OPTIONS"].get("server_side_binding") and "context" in params:
            context = AdaptersMap(params["context"])
            context.register_dumper(list, ListBinaryDumper)
            params["context"] = context
        return params

    def close_if_health_check_failed(self):
        """CONN_HEALTH_CHECKS without a `SELECT 1` per request while the connection is quiet.

        Django checks a persistent connection with a round trip at the first query of every
        request: about a fifth of a single-event ingest request's time (bench/ingest.py). A
        server that ends a connection (restart, pg_terminate_backend, PgBouncer, an idle timeout)
        sends its FATAL message and closes the socket, so an idle connection whose socket has
        nothing to read is still open; one with something to read (that notice, end of file, a
        NOTIFY) gets Django's full check, which closes it if it fails.
        """
        if self.health_check_enabled and not self.health_check_done and self._quiet():
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _quiet(self) -> bool:
        """Open, idle, and the server has sent nothing since the last query."""
        if self.connection is None or self.connection.closed:
            return False
        pgconn = self.connection.pgconn
        if pgconn.status != pq.ConnStatus.OK:
            return False
        if pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return False
        try:
            readable, _, _ = select.select([pgconn.socket], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable
