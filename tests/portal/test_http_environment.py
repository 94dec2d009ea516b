"""The seam's sessions read nothing from the environment per request (portal.http.new_session):
no ~/.netrc credentials on a tenant's URL, no proxies; the operator's CA bundle still applies."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal import http


@pytest.fixture
def echo():
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            seen.append(self.headers.get("Authorization"))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()


def test_netrc_credentials_are_never_sent(echo, tmp_path, monkeypatch):
    url, seen = echo
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login operator password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HTTP_PROXY", "http://10.255.255.1:3128")  # would hang if used
    http.request("GET", f"{url}/x", session=http.new_session())
    assert seen == [None]


def test_sessions_do_not_trust_the_environment():
    assert http.new_session().trust_env is False


def test_the_operators_ca_bundle_applies_unless_the_request_names_its_own(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ca.pem")
    kwargs = {}
    http._ca_bundle(kwargs)
    assert kwargs == {"verify": "/etc/ca.pem"}
    own = {"verify": "/srv/tenant-ca.pem"}
    http._ca_bundle(own)
    assert own == {"verify": "/srv/tenant-ca.pem"}
