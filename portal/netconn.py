"""Connections that go only where portal.netpolicy allows: the transport of the HTTP seam.

`GuardedAdapter` (a requests HTTPAdapter) builds urllib3 pools whose connections override
`_new_conn`: they resolve the host ONCE (netpolicy.resolve, which refuses internal addresses)
and connect the socket to one of exactly those checked addresses. The Host header, TLS SNI and
certificate verification still use the real host name (urllib3 keeps `self.host`), so a DNS
answer that changes between check and connect (rebinding) cannot move the connection.

Proxies from the environment are ignored: a proxy would resolve the name itself, out of the
policy's reach. Hand-written for the reasons in netpolicy's docstring.
"""

import socket
import sys

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import allowed_gai_family
from urllib3.util.timeout import _DEFAULT_TIMEOUT

from portal import netpolicy


def connect(host: str, port: int, timeout, source_address=None, socket_options=None):
    """socket.create_connection over the policy's one checked lookup."""
    error = None
    for family, socktype, proto, _name, address in netpolicy.resolve(
        host, port, allowed_gai_family()
    ):
        sock = None
        try:
            sock = socket.socket(family, socktype, proto)
            for option in socket_options or ():
                sock.setsockopt(*option)
            if timeout is not _DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(address)
            return sock
        except OSError as exc:
            error = exc
            if sock is not None:
                sock.close()
    raise error or OSError(f"no address for {host}")


class _Guarded:
    def _new_conn(self) -> socket.socket:
        try:
            sock = connect(
                self._dns_host, self.port, self.timeout, self.source_address, self.socket_options
            )
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        except TimeoutError as exc:
            raise ConnectTimeoutError(
                self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
            ) from exc
        except OSError as exc:
            raise NewConnectionError(self, f"Failed to establish a new connection: {exc}") from exc
        sys.audit("http.client.connect", self, self.host, self.port)
        return sock


class GuardedHTTPConnection(_Guarded, HTTPConnection):
    pass


class GuardedHTTPSConnection(_Guarded, HTTPSConnection):
    pass


class GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": GuardedHTTPPool,
            "https": GuardedHTTPSPool,
        }

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        return super().send(request, stream, timeout, verify, cert, proxies={})


def guard(session: requests.Session) -> requests.Session:
    """Mount the guarded adapter on `session` (idempotent): every request it sends is checked."""
    adapters = session.adapters
    if set(adapters) != {"https://", "http://"} or not all(
        isinstance(a, GuardedAdapter) for a in adapters.values()
    ):
        adapters.clear()  # also any adapter mounted for a narrower prefix or another scheme
        adapter = GuardedAdapter()
        session.mount("https://", adapter)
        session.mount("http://", adapter)
    return session
