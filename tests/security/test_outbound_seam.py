"""The HTTP seam refuses internal addresses, for every URL form, before anything is sent.

A counting listener on 127.0.0.1 (and ::1, 127.0.0.2) must receive nothing from a refused
form; a name's one lookup is the address connected to (DNS rebinding); redirects stay on the
host; OUTBOUND_ALLOWED_NETWORKS lets a listed network through.
"""

import socket

import pytest
import requests

from portal import http, netpolicy
from portal.errors import HttpError
from tests.security.outbound_listener import SECRET, Listener


@pytest.fixture
def strict(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    settings.HTTP_RETRIES = 0
    settings.HTTP_TIMEOUT_CONNECT = 1.0
    return settings


@pytest.fixture
def listener():
    server = Listener("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture
def listener6():
    server = Listener("::1")
    yield server
    server.stop()


@pytest.fixture
def resolver(monkeypatch):
    """Patch the policy's resolver: names -> list of answers (one per lookup, last repeats)."""
    real, answers, lookups = netpolicy.getaddrinfo, {}, []

    def fake(host, port, family=0, type=0, *args):  # noqa: A002
        lookups.append(host)
        if host not in answers:
            return real(host, port, family, type, *args)
        queue = answers[host]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        kind = socket.AF_INET6 if ":" in address else socket.AF_INET
        sockaddr = (address, port, 0, 0) if kind == socket.AF_INET6 else (address, port)
        return [(kind, socket.SOCK_STREAM, 6, "", sockaddr)]

    monkeypatch.setattr(netpolicy, "getaddrinfo", fake)
    fake.answers, fake.lookups = answers, lookups
    return fake


def refused(url: str) -> HttpError:
    with pytest.raises(HttpError) as caught:
        http.request("GET", url, session=requests.Session())
    assert caught.value.code == "address_not_allowed" and caught.value.permanent
    assert "OUTBOUND_ALLOWED_NETWORKS" in str(caught.value)
    return caught.value


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "0.0.0.0", "[::ffff:127.0.0.1]", "127.1", "2130706433"]
)
def test_loopback_forms_never_reach_the_listener(strict, listener, host):
    refused(f"http://{host}:{listener.port}/latest/meta-data/")
    assert listener.hits == []


def test_ipv6_loopback_never_reaches_the_listener(strict, listener6):
    error = refused(f"{listener6.url}/")
    assert "loopback" in str(error) and listener6.hits == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/iam/", "link-local"),
        ("http://10.0.0.1/", "private"),
        ("http://[fd00::1]/", "unique-local"),
        ("http://100.64.0.1/", "CGNAT"),
        ("http://[64:ff9b::a9fe:a9fe]/", "link-local"),
        ("http://metadata.google.internal/computeMetadata/v1/", "internal host name"),
    ],
)
def test_internal_addresses_are_refused_before_connecting(strict, url, reason):
    assert reason in str(refused(url))


def test_names_resolving_to_internal_addresses_are_refused(strict, listener, resolver):
    resolver.answers["crm.evil.example"] = ["127.0.0.1"]
    resolver.answers["metadata.google.internal"] = ["127.0.0.1"]
    error = refused(f"http://crm.evil.example:{listener.port}/")
    assert "resolves to a loopback address" in str(error)
    refused(f"http://metadata.google.internal:{listener.port}/")
    assert listener.hits == []


def test_one_lookup_per_connection_public_then_loopback(strict, listener, resolver, settings):
    """DNS rebinding: the check saw a public address; connecting uses that same answer (which
    goes nowhere here), never a second lookup that would say 127.0.0.1."""
    settings.HTTP_TIMEOUT_CONNECT = 0.3
    resolver.answers["rebind.example"] = ["8.8.8.8", "127.0.0.1"]
    with pytest.raises(HttpError) as caught:
        http.request("GET", f"http://rebind.example:{listener.port}/", session=requests.Session())
    assert caught.value.code != "address_not_allowed"  # passed the check, then unreachable
    assert resolver.lookups == ["rebind.example"] and listener.hits == []


def test_one_lookup_per_connection_connects_to_the_checked_address(strict, resolver, settings):
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    checked, other = Listener("127.0.0.1"), Listener("127.0.0.2")
    try:
        resolver.answers["rebind.example"] = ["127.0.0.1", "127.0.0.2"]
        session = requests.Session()
        response = http.request("GET", f"http://rebind.example:{checked.port}/", session=session)
        assert response.status_code == 200 and len(checked.hits) == 1
        assert resolver.lookups == ["rebind.example"] and other.hits == []
    finally:
        checked.stop(), other.stop()


def test_allowed_networks_let_the_listener_be_reached(strict, listener):
    strict.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    response = http.request("GET", f"{listener.url}/ok", session=requests.Session())
    assert response.status_code == 200 and listener.hits == [("GET", "/ok")]


def redirector(location: str):
    return lambda method, path, body: (302, {"Location": location}, b"")


def test_redirect_to_another_host_is_not_followed(strict):
    strict.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    target = Listener("127.0.0.2")
    for location in (target.url + "/", f"http://[::ffff:127.0.0.2]:{target.port}/"):
        allowed = Listener("127.0.0.1", answer=redirector(location))
        with pytest.raises(HttpError, match="redirect to another host not followed"):
            http.request("POST", allowed.url + "/token", session=requests.Session(), data={"a": 1})
        assert len(allowed.hits) == 1
        allowed.stop()
    assert target.hits == []
    target.stop()


def test_redirect_on_the_same_host_is_followed_and_bounded(strict):
    strict.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]

    def answer(method, path, body):
        if path == "/final":
            return 200, {}, b"done"
        return 307, {"Location": "/loop" if path.startswith("/loop") else "/final"}, b""

    server = Listener("127.0.0.1", answer=answer)
    try:
        assert http.request("GET", server.url + "/start", session=requests.Session()).ok
        assert [p for _m, p in server.hits] == ["/start", "/final"]
        with pytest.raises(HttpError, match="Too many redirects"):
            http.request("GET", server.url + "/loop", session=requests.Session())
        assert len(server.hits) == 2 + http.MAX_REDIRECTS + 1
    finally:
        server.stop()


def test_error_messages_carry_the_status_line_not_the_body(strict, settings):
    strict.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    bodies = iter([(500, b"<html>" + SECRET.encode()), (200, SECRET.encode())])
    server = Listener("127.0.0.1", answer=lambda m, p, b: (lambda s, x: (s, {}, x))(*next(bodies)))
    try:
        with pytest.raises(HttpError) as caught:
            http.request("GET", server.url + "/", session=requests.Session())
        assert str(caught.value) == f"HTTP 500 from 127.0.0.1:{server.port}: Internal Server Error"
        response = http.request("GET", server.url + "/", session=requests.Session())
        with pytest.raises(HttpError) as caught:
            http.json_body(response)
        assert SECRET not in str(caught.value) and "Malformed JSON" in str(caught.value)
    finally:
        server.stop()


def test_user_info_in_a_request_url_is_refused(strict):
    with pytest.raises(HttpError, match="Not a valid http"):
        http.request("GET", "http://user:pw@8.8.8.8/", session=requests.Session())


def test_tls_keeps_the_host_name_while_connecting_to_the_checked_address(
    strict, resolver, tmp_path
):
    """SNI, certificate check and Host header use the URL's name; the socket goes to the IP."""
    strict.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    server = Listener("127.0.0.1", tls_name="crm.example.test")
    resolver.answers["crm.example.test"] = ["127.0.0.1"]
    resolver.answers["other.example.test"] = ["127.0.0.1"]
    try:
        session = requests.Session()
        server.ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
        session.verify = str(tmp_path / "ca.pem")
        url = f"https://crm.example.test:{server.port}/x"
        assert http.request("GET", url, session=session, verify=session.verify).ok
        assert server.host_headers == [f"crm.example.test:{server.port}"]
        with pytest.raises(HttpError, match="TLS error"):  # cert is not for this name
            other = f"https://other.example.test:{server.port}/x"
            http.request("GET", other, session=session, verify=session.verify)
        assert len(server.hits) == 1
    finally:
        server.stop()
