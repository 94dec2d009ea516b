"""portal.http as connector (and platform) clients call it: the same seam, whose HttpError
leaves as a ConnectorError (connectors.errors.from_http), so callers catch one family.

Only the calls that can fail are wrapped; the rest is portal.http itself. Each wrapper looks
portal.http up at call time, so a test patching portal.http patches the connectors too.
"""

from connectors.errors import seam_errors
from portal import http, urlpolicy
from portal.http import (  # noqa: F401  (re-exported: the seam's vocabulary)
    REDIRECT_STATUS,
    RETRY_STATUS,
    TRANSIENT_STATUS,
    default_session,
    new_session,
    no_inline_waits,
    parse_retry_after,
    status_text,
)


def request(method: str, url: str, **kwargs):
    """portal.http.request; its failures raised as ConnectorError."""
    with seam_errors():
        return http.request(method, url, **kwargs)


def json_body(response):
    """portal.http.json_body; a malformed body raised as a (transient) ConnectorError."""
    with seam_errors():
        return http.json_body(response)


def check_url(value: str, *, base: bool = True) -> None:
    """portal.urlpolicy.check_url (shape + outbound policy) for a URL a CRM answered with."""
    with seam_errors():
        urlpolicy.check_url(value, base=base)
