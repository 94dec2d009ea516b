"""URL settings the portal connects to: their shape, the outbound policy on their host, and
safe base URLs (portal.netpolicy decides on addresses; this module on URLs).

Forms and the API validate every URL setting with `validate_outbound_url` (code
`address_not_allowed` for a refused host); clients build request URLs from `base_url`.
"""

from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError

from portal.errors import HttpError
from portal.netpolicy import AddressNotAllowed, check_host


def base_url(url: str) -> str:
    """scheme://host[:port]/path of a base URL, to append API paths to: a query, fragment or
    user info (saved before they were refused) can never swallow or redirect the path.
    "" for anything that is not an http(s) URL (the seam then refuses the request)."""
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def shape_problem(value: str, *, base: bool = True) -> str | None:
    """What is wrong with a URL setting's shape (None: fine). Base URLs, which API paths are
    appended to, take no query; no URL takes a fragment or user info."""
    try:
        parts = urlsplit(value or "")
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        return "This is not a valid URL."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Enter an http(s) URL."
    if "@" in parts.netloc:
        return "A URL with a user name or password is not allowed."
    if parts.fragment or "#" in value:
        return "A URL with a fragment (#...) is not allowed."
    if base and (parts.query or "?" in value):
        return "A base URL with a query (?...) is not allowed."
    return None


def check_url(value: str, *, base: bool = True) -> None:
    """A URL from a tenant or a CRM answer: its shape, then the address policy on its host.
    Raises HttpError (bad shape) or AddressNotAllowed, both permanent."""
    problem = shape_problem(value, base=base)
    if problem:
        raise HttpError(problem, permanent=True)
    parts = urlsplit(value)
    check_host(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))


def validate_outbound_url(value: str, *, base: bool = True) -> None:
    """Django validator of a URL setting (forms and API): ValidationError with code
    address_not_allowed for a refused host, `invalid` for a bad shape."""
    try:
        check_url(value, base=base)
    except AddressNotAllowed as exc:
        raise ValidationError(exc.message, "address_not_allowed") from None
    except HttpError as exc:
        raise ValidationError(exc.message, "invalid") from None


def validate_link_url(value: str) -> None:
    validate_outbound_url(value, base=False)
