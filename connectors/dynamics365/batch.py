"""OData `$batch` (multipart/mixed) for the Dataverse Web API: build and parse both directions.

https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api
A batch holds change sets (each atomic) and single requests; every part is an HTTP message with
`Content-Type: application/http`. The connector sends one change set per record, so a bad record
fails only its own change set. The simulator uses the same helpers to parse requests and build
responses (Dataverse answers a failed change set with one plain application/http part).
"""

import json
import re
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus

CRLF = b"\r\n"
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.I)


@dataclass
class Part:
    """One HTTP message inside a batch (a request or a response)."""

    method: str = ""  # requests only
    url: str = ""  # requests only
    # keyword-only, so Part("PATCH", url, {...}) cannot put a body into `status`
    status: int = field(default=0, kw_only=True)  # responses only
    headers: dict = field(default_factory=dict, kw_only=True)  # lower-case names when parsed
    body: bytes | dict | None = field(default=b"", kw_only=True)
    content_id: str = field(default="", kw_only=True)

    def json(self):
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


def boundary_of(content_type: str | None) -> str:
    match = _BOUNDARY.search(content_type or "")
    if not match:
        raise ValueError(f"no multipart boundary in {content_type!r}")
    return match.group(1)


def _headers(block: bytes) -> dict:
    out = {}
    for line in block.split(CRLF):
        name, sep, value = line.decode("utf-8", "replace").partition(":")
        if sep:
            out[name.strip().lower()] = value.strip()
    return out


def split_multipart(data: bytes, boundary: str) -> list[tuple[dict, bytes]]:
    """[(part headers, part body)] of one multipart level."""
    if CRLF not in data:
        data = data.replace(b"\n", CRLF)  # tolerate bare LF line ends
    delimiter = b"--" + boundary.encode()
    parts = []
    for chunk in data.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break  # close delimiter
        chunk = chunk.removeprefix(CRLF).removesuffix(CRLF)
        head, _, body = chunk.partition(CRLF + CRLF)
        parts.append((_headers(head), body))
    return parts


def _http_message(data: bytes) -> tuple[str, dict, bytes]:
    first, _, rest = data.partition(CRLF)
    if rest.startswith(CRLF):
        return first.decode(), {}, rest[2:]
    head, _, body = rest.partition(CRLF + CRLF)
    return first.decode(), _headers(head), body


def _encode_message(first_line: str, headers: dict, body: bytes) -> bytes:
    lines = [first_line.encode()] + [f"{k}: {v}".encode() for k, v in headers.items()]
    return CRLF.join(lines) + CRLF + CRLF + body


def _multipart(boundary: str, parts: list[tuple[dict, bytes]]) -> bytes:
    out = b""
    for headers, body in parts:
        head = CRLF.join(f"{k}: {v}".encode() for k, v in headers.items())
        out += b"--" + boundary.encode() + CRLF + head + CRLF + CRLF + body + CRLF
    return out + b"--" + boundary.encode() + b"--" + CRLF


def _http_part_headers(content_id: str) -> dict:
    headers = {"Content-Type": "application/http", "Content-Transfer-Encoding": "binary"}
    if content_id:
        headers["Content-ID"] = content_id
    return headers


# --- requests (client builds, simulator parses) ------------------------------------------------


def build_request(changesets: list[list[Part]]) -> tuple[str, bytes]:
    """(Content-Type, body) of a batch with one change set per list; Content-IDs numbered 1..n."""
    batch = f"batch_{uuid.uuid4()}"
    parts, cid = [], 0
    for changeset in changesets:
        inner_boundary = f"changeset_{uuid.uuid4()}"
        inner = []
        for req in changeset:
            cid += 1
            body = json.dumps(req.body).encode() if not isinstance(req.body, bytes) else req.body
            headers = {"Content-Type": "application/json; type=entry", **req.headers}
            message = _encode_message(f"{req.method} {req.url} HTTP/1.1", headers, body)
            inner.append((_http_part_headers(str(cid)), message))
        ctype = f"multipart/mixed; boundary={inner_boundary}"
        parts.append(({"Content-Type": ctype}, _multipart(inner_boundary, inner)))
    return f"multipart/mixed; boundary={batch}", _multipart(batch, parts)


def parse_request(content_type: str, data: bytes) -> list[tuple[bool, list[Part]]]:
    """[(is change set, [request parts])] in order."""
    groups = []
    for headers, body in split_multipart(data, boundary_of(content_type)):
        if headers.get("content-type", "").startswith("multipart/mixed"):
            inner = split_multipart(body, boundary_of(headers["content-type"]))
            groups.append((True, [_request_part(h, b) for h, b in inner]))
        else:
            groups.append((False, [_request_part(headers, body)]))
    return groups


def _request_part(headers: dict, data: bytes) -> Part:
    first, inner_headers, body = _http_message(data)
    method, url, *_ = first.split(" ")
    return Part(
        method, url, headers=inner_headers, body=body, content_id=headers.get("content-id", "")
    )


# --- responses (simulator builds, client parses) -----------------------------------------------


def build_response(groups: list[tuple[bool, list[Part]]]) -> tuple[str, bytes]:
    batch = f"batchresponse_{uuid.uuid4()}"
    parts = []
    for is_changeset, responses in groups:
        encoded = [(_http_part_headers(r.content_id), _encode_response(r)) for r in responses]
        if is_changeset:
            inner_boundary = f"changesetresponse_{uuid.uuid4()}"
            ctype = f"multipart/mixed; boundary={inner_boundary}"
            parts.append(({"Content-Type": ctype}, _multipart(inner_boundary, encoded)))
        else:
            parts.extend(encoded)
    return f"multipart/mixed; boundary={batch}", _multipart(batch, parts)


def _encode_response(part: Part) -> bytes:
    phrase = HTTPStatus(part.status).phrase if part.status in HTTPStatus._value2member_map_ else ""
    return _encode_message(f"HTTP/1.1 {part.status} {phrase}", part.headers, part.body)


def parse_response(content_type: str, data: bytes) -> list[list[Part]]:
    """One list of response parts per top-level part (a change set or a single request)."""
    groups = []
    for headers, body in split_multipart(data, boundary_of(content_type)):
        if headers.get("content-type", "").startswith("multipart/mixed"):
            inner = split_multipart(body, boundary_of(headers["content-type"]))
            groups.append([_response_part(h, b) for h, b in inner])
        else:
            groups.append([_response_part(headers, body)])
    return groups


def _response_part(headers: dict, data: bytes) -> Part:
    first, inner_headers, body = _http_message(data)
    try:
        status = int(first.split(" ")[1])
    except (IndexError, ValueError):
        status = 0
    return Part(
        status=status, headers=inner_headers, body=body, content_id=headers.get("content-id", "")
    )
