"""Dataverse Web API v9.2 over portal.http: headers, error bodies, paging, counts and `$batch`.

https://learn.microsoft.com/power-apps/developer/data-platform/webapi/overview
Errors come as `{"error": {"code", "message"}}`; 401 means the bearer token is no longer
accepted (AuthError -> the connector refreshes once); 429 is service protection with a
`Retry-After` the seam honours (short waits inline, long ones handed to the caller).
"""

import re
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import requests

from connectors import http
from connectors.dynamics365 import batch as multipart
from connectors.errors import AuthError, ConnectorError
from connectors.types import Token
from portal import urlpolicy

API_PATH = "/api/data/v9.2/"
FORMATTED = "OData.Community.Display.V1.FormattedValue"
ODATA_HEADERS = {
    "OData-MaxVersion": "4.0",
    "OData-Version": "4.0",
    "Accept": "application/json",
}
# `@odata.count` stops at 5,000 (standard tables); only these annotations say whether it did.
# https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/count-rows
COUNT_LIMIT = 5000
TOTAL_COUNT = "Microsoft.Dynamics.CRM.totalrecordcount"
LIMIT_EXCEEDED = "Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded"
# Statuses whose Dataverse error body we read ourselves; 429/502/503/504 stay with the seam.
_MAPPED_STATUS = tuple(s for s in range(400, 501) if s != 429)
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_ENTITY_ID = re.compile(r"\(([0-9a-fA-F-]{36})\)\s*$")


def odata_string(value: str) -> str:
    """An OData string literal: single quotes doubled."""
    return "'" + str(value).replace("'", "''") + "'"


def is_guid(value: str) -> bool:
    return bool(_GUID.match(value or ""))


def entity_id(headers: dict) -> str:
    """The GUID from an `OData-EntityId` header (…/phonecalls(<guid>))."""
    for name, value in headers.items():
        if name.lower() == "odata-entityid" and (match := _ENTITY_ID.search(value)):
            return match.group(1)
    return ""


def error_from(status: int, payload, *, hint: str = "") -> ConnectorError:
    """A Dataverse error response (status + parsed body) -> ConnectorError with its message."""
    error = payload.get("error") if isinstance(payload, dict) else None
    code = str(error.get("code", "")) if isinstance(error, dict) else ""
    message = str(error.get("message", "")) if isinstance(error, dict) else ""
    message = message or f"HTTP {status}"
    if hint:
        message = f"{message} {hint}"
    if status == 401:
        return AuthError(f"Dataverse did not accept the access token: {message}", status=status)
    if status == 403:
        message = (
            f"{message} Give the app's Application User a security role with access to this "
            "table (Power Platform admin center)."
        )
    return ConnectorError(
        f"Dataverse error {code or status}: {message}",
        permanent=status < 500 and status not in http.TRANSIENT_STATUS,
        status=status,
        code=code,
    )


class DataverseClient:
    def __init__(self, instance_url: str, session: requests.Session):
        self.instance_url = urlpolicy.base_url(instance_url)
        self.base = self.instance_url + API_PATH
        self.session = session

    def url(self, path: str) -> str:
        if not path.startswith(("https://", "http://")):
            return self.base + path.lstrip("/")
        # an absolute link from an answer (@odata.nextLink): only to the environment itself
        if urlsplit(path).netloc.lower() != urlsplit(self.instance_url).netloc.lower():
            raise ConnectorError("Dataverse answered a link to another host.", permanent=True)
        return path

    def send(
        self,
        token: Token,
        method: str,
        path: str,
        *,
        prefer: str = "",
        headers: dict | None = None,
        **kwargs,
    ) -> requests.Response:
        all_headers = {**ODATA_HEADERS, "Authorization": f"Bearer {token.access_token}"}
        if prefer:
            all_headers["Prefer"] = prefer
        all_headers.update(headers or {})
        try:
            response = http.request(
                method,
                self.url(path),
                session=self.session,
                verify=self.session.verify,  # explicit: see auth.SeamHttpClient
                headers=all_headers,
                ok_status=_MAPPED_STATUS,
                **kwargs,
            )
        except ConnectorError as exc:
            if exc.status == 429:
                raise ConnectorError(
                    "Dataverse service protection limit reached (HTTP 429); retry after "
                    f"{exc.retry_after or 'a while'} s.",
                    retry_after=exc.retry_after,
                    status=429,
                    code="service_protection",
                ) from exc
            raise
        if response.status_code >= 400:
            try:
                payload = response.json()
            except ValueError:
                payload = None
            raise error_from(response.status_code, payload)
        return response

    def get_json(self, token: Token, path: str, **kwargs) -> dict:
        data = http.json_body(self.send(token, "GET", path, **kwargs))
        if not isinstance(data, dict):
            raise ConnectorError(f"Unexpected response from Dataverse for {path}")
        return data

    def pages(
        self, call: Callable, path: str, params: dict, page_size: int
    ) -> Iterator[list[dict]]:
        """Pages of rows following `@odata.nextLink`; `call` runs fn(token) with refresh."""
        prefer = f'odata.maxpagesize={page_size},odata.include-annotations="{FORMATTED}"'
        url, query = path, params
        while url:
            data = call(lambda t, u=url, q=query: self.get_json(t, u, params=q, prefer=prefer))
            yield list(data.get("value") or [])
            url, query = data.get("@odata.nextLink"), None  # the link carries the query

    def count(self, call: Callable, path: str, params: dict) -> tuple[int, bool]:
        """`$count=true` over the rows `params` select -> (count, whether the 5,000 cap was hit).

        One row per page via `odata.maxpagesize=1`, not `$top=1`: Microsoft says not to combine
        `$top` with `$count`, while the count is documented to ignore the page size.
        """
        prefer = f'odata.maxpagesize=1,odata.include-annotations="{TOTAL_COUNT},{LIMIT_EXCEEDED}"'
        query = {**params, "$count": "true"}
        data = call(lambda t: self.get_json(t, path, params=query, prefer=prefer))
        count = data.get("@odata.count")
        if isinstance(count, bool) or not isinstance(count, int):
            raise ConnectorError(f"Dataverse gave no @odata.count for {path}")
        exceeded = data.get(f"@{LIMIT_EXCEEDED}")
        if exceeded is None:  # annotation not given: a count at the cap may stand for more
            exceeded = count >= COUNT_LIMIT
        return count, bool(exceeded)

    def total_record_count(self, call: Callable, logical_name: str) -> int | None:
        """RetrieveTotalRecordCount: the table's size from a snapshot taken in the last 24 h."""
        path = f"RetrieveTotalRecordCount(EntityNames=[{odata_string(logical_name)}])"
        counts = call(lambda t: self.get_json(t, path)).get("EntityRecordCountCollection")
        counts = counts if isinstance(counts, dict) else {}
        for key, value in zip(counts.get("Keys") or [], counts.get("Values") or [], strict=False):
            if key == logical_name:
                return int(value)
        return None

    def batch(
        self, token: Token, changesets: list[list[multipart.Part]]
    ) -> list[list[multipart.Part]]:
        """Send change sets in one `$batch`; Dataverse continues after a failed change set."""
        content_type, body = multipart.build_request(changesets)
        response = self.send(
            token,
            "POST",
            "$batch",
            data=body,
            headers={"Content-Type": content_type},
            prefer="odata.continue-on-error",
        )
        try:
            return multipart.parse_response(
                response.headers.get("Content-Type", ""), response.content
            )
        except ValueError as exc:
            raise ConnectorError(f"Malformed $batch response from Dataverse: {exc}") from exc
