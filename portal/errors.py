"""The errors of the outbound HTTP seam (portal.http, portal.netpolicy, portal.urlpolicy).

The seam is the bottom layer: it knows nothing of CRMs. Its one error type says what the
caller needs to decide (healthchecks' `TransportError(message, permanent=...)`):
permanent=True means retrying will not help (a refused address, a 4xx, a TLS failure);
permanent=False is transient (timeout, unreachable, 429, 502-504), after `retry_after` seconds
when the server said so. Connectors map it to their ConnectorError family
(connectors.errors.from_http); the seam never raises anything of a higher layer.
"""


class HttpError(Exception):
    """An outbound request failed (status: the HTTP status when there was an answer)."""

    def __init__(
        self,
        message: str,
        permanent: bool = False,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        code: str = "",
        request_id: str = "",
    ):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after
        self.status = status
        self.code = code
        self.request_id = request_id  # the server's id of the failed request, when it sent one

    def __str__(self) -> str:
        return self.message
