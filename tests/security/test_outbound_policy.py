"""Unit tests of the outbound-address classifier and policy (portal/netpolicy.py)."""

import ipaddress

import pytest

from portal import netpolicy, urlpolicy

REFUSED = [
    ("0.0.0.0", "unspecified"),
    ("0.1.2.3", "unspecified"),
    ("10.0.0.1", "private"),
    ("10.255.255.255", "private"),
    ("100.64.0.1", "CGNAT (shared)"),
    ("100.127.255.254", "CGNAT (shared)"),
    ("127.0.0.1", "loopback"),
    ("127.255.0.9", "loopback"),
    ("169.254.169.254", "link-local"),
    ("172.16.0.1", "private"),
    ("172.31.255.1", "private"),
    ("192.0.0.8", "reserved"),
    ("192.0.2.1", "reserved"),
    ("192.88.99.1", "reserved"),
    ("192.168.1.1", "private"),
    ("198.18.0.1", "reserved"),
    ("198.51.100.7", "reserved"),
    ("203.0.113.7", "reserved"),
    ("224.0.0.251", "multicast"),
    ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"),
    ("::", "unspecified"),
    ("::1", "loopback"),
    ("fd00::1", "unique-local"),
    ("fc00::1", "unique-local"),
    ("fe80::1", "link-local"),
    ("fec0::1", "site-local"),
    ("ff02::1", "multicast"),
    ("64:ff9b:1::1", "private"),
    ("2001:db8::1", "reserved"),
    ("2001::1", "reserved"),  # Teredo
    ("3fff::1", "reserved"),
    ("100::1", "reserved"),  # discard-only, outside 2000::/3
    ("::10.0.0.1", "reserved"),  # IPv4-compatible (deprecated)
    # IPv4 inside IPv6: the inner address decides
    ("::ffff:127.0.0.1", "loopback (embedded in IPv6)"),
    ("::ffff:169.254.169.254", "link-local (embedded in IPv6)"),
    ("::ffff:10.0.0.1", "private (embedded in IPv6)"),
    ("64:ff9b::7f00:1", "loopback (embedded in IPv6)"),  # NAT64 of 127.0.0.1
    ("64:ff9b::a9fe:a9fe", "link-local (embedded in IPv6)"),  # NAT64 of 169.254.169.254
    ("2002:7f00:1::", "loopback (embedded in IPv6)"),  # 6to4 of 127.0.0.1
    ("2002:a00:1::1", "private (embedded in IPv6)"),  # 6to4 of 10.0.0.1
    ("2002:6440:1::", "CGNAT (shared) (embedded in IPv6)"),  # 6to4 of 100.64.0.1
]
PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "13.107.42.14",  # login.microsoftonline.com's range
    "100.63.255.255",  # just below CGNAT
    "100.128.0.0",  # just above
    "172.32.0.1",  # just above 172.16/12
    "2606:4700:4700::1111",
    "2a00:1450:4001::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8
    "2002:808:808::1",  # 6to4 of 8.8.8.8
]


@pytest.mark.parametrize(("address", "reason"), REFUSED)
def test_internal_ranges_are_classified(address, reason):
    assert netpolicy.classify(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address):
    assert netpolicy.classify(ipaddress.ip_address(address)) is None


@pytest.fixture
def strict(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False
    settings.OUTBOUND_ALLOWED_NETWORKS = []
    return settings


def test_any_internal_address_of_a_name_refuses_it(strict):
    assert netpolicy.refusal("crm.example.com", ["8.8.8.8"]) is None
    why = netpolicy.refusal("crm.example.com", ["8.8.8.8", "10.1.2.3"])
    assert why == "resolves to a private address"
    assert netpolicy.refusal("10.1.2.3", ["10.1.2.3"]) == "is a private address"


@pytest.mark.parametrize(
    "name", ["localhost", "LOCALHOST.", "api.localhost", "metadata.google.internal", "metadata"]
)
def test_internal_names_are_refused_even_unresolved(strict, name):
    assert netpolicy.refusal(name, []) == "is an internal host name"
    assert netpolicy.refusal(name, ["8.8.8.8"]) == "is an internal host name"


def test_allowed_networks_let_listed_addresses_through(strict):
    strict.OUTBOUND_ALLOWED_NETWORKS = ["10.20.0.0/16", " fd00:1::/32", "127.0.0.1/32"]
    assert netpolicy.refusal("crm.corp", ["10.20.3.4"]) is None
    assert netpolicy.refusal("crm.corp", ["fd00:1::5"]) is None
    assert netpolicy.refusal("crm.corp", ["10.21.0.1"]) == "resolves to a private address"
    assert netpolicy.refusal("crm.corp", ["10.20.3.4", "10.21.0.1"]) is not None
    assert netpolicy.refusal("::ffff:127.0.0.1", ["::ffff:127.0.0.1"]) is None  # inner listed
    assert netpolicy.refusal("localhost", ["127.0.0.1"]) is None  # every address listed
    assert netpolicy.refusal("localhost", ["127.0.0.1", "::1"]) == "is an internal host name"


def test_allow_private_switches_the_check_off(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = True
    assert netpolicy.refusal("localhost", ["127.0.0.1"]) is None


def test_unparsable_answer_is_refused(strict):
    assert netpolicy.refusal("x.example", ["not-an-ip"]) == "has an address the portal cannot check"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://acme.my.salesforce.com", None),
        ("https://acme.example.com:8443/sugar", None),
        ("https://evil.example/x#", "fragment"),
        ("https://evil.example/latest/meta-data#", "fragment"),
        ("https://evil.example/x?", "query"),
        ("https://evil.example/?a=1", "query"),
        ("https://user:pw@acme.example.com", "user name"),
        ("https://acme.example.com@10.0.0.1", "user name"),
        ("ftp://acme.example.com", "http(s)"),
        ("https://acme.example.com:99999", "not a valid URL"),
    ],
)
def test_base_url_shape(url, problem):
    found = urlpolicy.shape_problem(url)
    assert (found is None) if problem is None else (problem in found)


def test_link_urls_may_have_a_query():
    assert urlpolicy.shape_problem("https://pbx.example.com/call?line=2", base=False) is None


@pytest.mark.parametrize(
    ("stored", "base"),
    [
        ("https://acme.example.com/", "https://acme.example.com"),
        ("https://acme.example.com/sugar/?x=1#frag", "https://acme.example.com/sugar"),
        ("https://u:p@acme.example.com/#", "https://acme.example.com"),
        ("javascript:alert(1)", ""),
        ("", ""),
    ],
)
def test_base_url_keeps_the_appended_path_a_path(stored, base):
    assert urlpolicy.base_url(stored) == base


@pytest.mark.parametrize("host", ["a" * 64 + ".example.com", "crm." + "b" * 70])
def test_unencodable_host_names_are_a_permanent_error_not_a_crash(strict, host):
    with pytest.raises(netpolicy.HttpError) as caught:
        netpolicy.resolve(host, 443)
    assert caught.value.permanent and not isinstance(caught.value, netpolicy.AddressNotAllowed)
    netpolicy.check_host(host, 443)  # save time: left to the URL field's own validation
