"""The connectors' error family, and the map from the HTTP seam's own error to it.

The seam (portal.http, portal.netpolicy, portal.urlpolicy) raises portal.errors.HttpError; a
connector raises ConnectorError, which everything above (outbox, sync, views, API) catches.
connectors.http is the seam as connector clients call it: every HttpError leaves it as the
ConnectorError `from_http` makes of it (same message, permanence, Retry-After, status, code).
"""

import contextlib

from portal.errors import HttpError

# The hint of an error whose own message already says what to check: not said twice.
FIX_AND_AUTHORIZE = "Fix it in the settings, then click Authorize again."


class ConnectorError(Exception):
    """A CRM call failed.

    permanent=True: retrying will not help (bad credentials, validation error, 404); the user
    must act. permanent=False: transient (timeout, 5xx, 429, lock); retry later, after
    `retry_after` seconds when the CRM said so.
    """

    def __init__(
        self,
        message: str,
        permanent: bool = False,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        code: str = "",
        request_id: str = "",
        hint: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after
        self.status = status
        self.code = code
        self.request_id = request_id  # the CRM's id of the failed request, when it sent one
        # What the admin should do, when the connector knows better than the generic hint of
        # its kind (connectors.services.explain), e.g. "check the Authority host".
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class AuthError(ConnectorError):
    """Credentials rejected or token expired: refresh, else the connector needs re-authorization."""

    def __init__(self, message: str, **kwargs):
        kwargs.setdefault("permanent", True)
        super().__init__(message, **kwargs)


def from_http(exc: HttpError) -> ConnectorError:
    """The ConnectorError a seam failure stands for: every field kept (address_not_allowed too)."""
    return ConnectorError(
        exc.message,
        exc.permanent,
        retry_after=exc.retry_after,
        status=exc.status,
        code=exc.code,
        request_id=exc.request_id,
    )


@contextlib.contextmanager
def seam_errors():
    """Within this block an HttpError of the seam is raised as its ConnectorError."""
    try:
        yield
    except HttpError as exc:
        raise from_http(exc) from exc
