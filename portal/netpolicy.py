"""The outbound-address policy: which hosts the portal may connect to on a tenant's behalf.

Tenant admins type URLs (CRM instance URLs, authority hosts, click-to-call relays, Daktela) and
CRMs answer with more (Salesforce's token `instance_url`, OData next links, msal's discovery).
None of them may make the portal talk to our own network: a host is refused when ANY address it
resolves to is loopback, private, link-local, CGNAT, unique-local, multicast, unspecified or
reserved, or an IPv4-mapped / 6to4 / NAT64 form of one of those (`classify`).

Operators tune it with two settings: `OUTBOUND_ALLOW_PRIVATE` (default: the value of DEBUG, so
`make run` reaches its simulators on 127.0.0.1) turns the check off, and
`OUTBOUND_ALLOWED_NETWORKS` lists CIDRs allowed even so (an on-premise CRM, a staging simulator).

Written by hand: requests-hardened (the maintained library for this) has no CIDR allow-list and
no hook to report which field and setting are concerned. `portal.netconn` connects to exactly the
addresses checked here (one lookup per connection: no DNS rebinding between check and connect);
portal.urlpolicy checks URL settings (shape, then this policy on their host) for forms and API.
"""

import ipaddress
import socket
from functools import lru_cache

from django.conf import settings

from portal.errors import HttpError

getaddrinfo = socket.getaddrinfo  # the one resolver of the policy (tests patch it)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_N = ipaddress.ip_network
V4_RANGES = [
    (_N("0.0.0.0/8"), "unspecified"),
    (_N("10.0.0.0/8"), "private"),
    (_N("100.64.0.0/10"), "CGNAT (shared)"),
    (_N("127.0.0.0/8"), "loopback"),
    (_N("169.254.0.0/16"), "link-local"),
    (_N("172.16.0.0/12"), "private"),
    (_N("192.0.0.0/24"), "reserved"),  # IETF protocol assignments
    (_N("192.0.2.0/24"), "reserved"),  # documentation
    (_N("192.88.99.0/24"), "reserved"),  # 6to4 relay anycast
    (_N("192.168.0.0/16"), "private"),
    (_N("198.18.0.0/15"), "reserved"),  # benchmarking
    (_N("198.51.100.0/24"), "reserved"),
    (_N("203.0.113.0/24"), "reserved"),
    (_N("224.0.0.0/4"), "multicast"),
    (_N("240.0.0.0/4"), "reserved"),  # and 255.255.255.255
]
V6_RANGES = [
    (_N("::/128"), "unspecified"),
    (_N("::1/128"), "loopback"),
    (_N("64:ff9b:1::/48"), "private"),  # local-use NAT64
    (_N("2001::/23"), "reserved"),  # IETF protocol assignments (Teredo, ORCHID, ...)
    (_N("2001:db8::/32"), "reserved"),  # documentation
    (_N("3fff::/20"), "reserved"),  # documentation
    (_N("fc00::/7"), "unique-local"),
    (_N("fe80::/10"), "link-local"),
    (_N("fec0::/10"), "site-local"),
    (_N("ff00::/8"), "multicast"),
]
GLOBAL_UNICAST = _N("2000::/3")
NAT64 = _N("64:ff9b::/96")
SIX_TO_FOUR = _N("2002::/16")
# Refused by name even when they do not resolve here (cloud metadata services, RFC 6761).
REFUSED_NAMES = {
    "localhost",
    "localhost.localdomain",
    "metadata",
    "metadata.google.internal",
    "metadata.goog",
    "instance-data",
    "instance-data.ec2.internal",
}
OPERATOR_HINT = (
    "The portal does not connect to internal addresses; an operator can allow a network "
    "with OUTBOUND_ALLOWED_NETWORKS (or all of them with OUTBOUND_ALLOW_PRIVATE)."
)


class AddressNotAllowed(HttpError):
    """A host refused by the policy: permanent (the settings must change), code address_not_allowed."""

    def __init__(self, host: str, why: str):
        super().__init__(
            f"{host} {why}. {OPERATOR_HINT}", permanent=True, code="address_not_allowed"
        )
        self.host = host


def embedded_v4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside an IPv4-mapped, NAT64 (64:ff9b::/96) or 6to4 address."""
    if ip.version != 6:
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in SIX_TO_FOUR:
        return ip.sixtofour
    return None


def classify(ip: IPAddress) -> str | None:
    """Why `ip` is internal ("loopback", "private", ...), or None for a public address."""
    inner = embedded_v4(ip)
    if inner is not None:
        reason = classify(inner)
        return f"{reason} (embedded in IPv6)" if reason else None
    ranges = V4_RANGES if ip.version == 4 else V6_RANGES
    for network, reason in ranges:
        if ip in network:
            return reason
    if ip.version == 6 and ip not in GLOBAL_UNICAST:
        return "reserved"
    return None


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(s.strip(), strict=False) for s in spec if s.strip())


def allowed_by_operator(ip: IPAddress) -> bool:
    networks = _networks(tuple(settings.OUTBOUND_ALLOWED_NETWORKS))
    candidates = [ip] + [v4 for v4 in [embedded_v4(ip)] if v4 is not None]
    return any(c in n for c in candidates for n in networks if c.version == n.version)


def parse_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def refusal(host: str, addresses: list[str]) -> str | None:
    """Why connecting to `host` at `addresses` is refused (None: allowed)."""
    if settings.OUTBOUND_ALLOW_PRIVATE:
        return None
    ips = [ip for ip in map(parse_ip, addresses) if ip is not None]
    if len(ips) != len(addresses):
        return "has an address the portal cannot check"
    by_name = host.lower().rstrip(".")
    named = by_name in REFUSED_NAMES or by_name.endswith(".localhost")
    if named and not (ips and all(map(allowed_by_operator, ips))):
        return "is an internal host name"
    for ip in ips:
        reason = classify(ip)
        if reason and not allowed_by_operator(ip):
            literal = parse_ip(host) is not None
            return f"is a {reason} address" if literal else f"resolves to a {reason} address"
    return None


def resolve(host: str, port: int, family=socket.AF_UNSPEC) -> list[tuple]:
    """One getaddrinfo() answer, checked: every address allowed, else AddressNotAllowed."""
    host = host.strip("[]")
    try:
        infos = getaddrinfo(host, port, family, socket.SOCK_STREAM)
    except UnicodeError:  # a label IDNA cannot encode (too long, bad characters)
        raise HttpError(f"Not a valid host name: {host[:100]}", permanent=True) from None
    except OSError:
        why = refusal(host, [])  # an internal name is refused whether it resolves or not
        if why:
            raise AddressNotAllowed(host, why) from None
        raise
    why = refusal(host, [info[4][0] for info in infos])
    if why:
        raise AddressNotAllowed(host, why)
    return infos


def check_host(host: str, port: int) -> None:
    """Save-time check: refused by name or address; a name that does not resolve passes (the
    connect-time check decides then)."""
    if settings.OUTBOUND_ALLOW_PRIVATE:
        return
    why = refusal(host, []) if parse_ip(host) is None else None
    if why:
        raise AddressNotAllowed(host, why)
    try:
        resolve(host, port)
    except AddressNotAllowed:
        raise
    except (OSError, HttpError):  # not resolvable (now): the connect-time check decides
        return
