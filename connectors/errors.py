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
    ):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after
        self.status = status
        self.code = code

    def __str__(self) -> str:
        return self.message


class AuthError(ConnectorError):
    """Credentials rejected or token expired: refresh, else the connector needs re-authorization."""

    def __init__(self, message: str, **kwargs):
        kwargs.setdefault("permanent", True)
        super().__init__(message, **kwargs)
