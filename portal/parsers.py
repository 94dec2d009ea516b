"""JSON request bodies, bounded (issue 11, point 8; ../shared/API.md "Bodies").

Python's json module recurses once per nesting level, so `[[[[...]]]]` 1,000 deep raised
RecursionError (a 500) on every endpoint. `loads` catches that and measures the depth of what
was parsed with an explicit stack (no recursion): deeper than MAX_DEPTH is a 400 `parse_error`.
A body of any other content type is a 415 `unsupported_media_type` (DRF's negotiation does this
for the parsers below; `json_body` does it for views that read the raw body themselves).
Hand-written because no JSON library offers a depth limit; it is a counting loop.
"""

import json

from rest_framework import exceptions, parsers

MAX_DEPTH = 32
TOO_DEEP = f"The JSON body is nested deeper than {MAX_DEPTH} levels."


class TooDeep(ValueError):
    pass


def depth_exceeds(value, limit: int = MAX_DEPTH) -> bool:
    """True when containers nest deeper than `limit` (a scalar or {} at the top is depth 1).

    Level by level (no recursion); about 2.5 ms for a batch of 1,000 call events."""
    level, depth = [value], 1
    while level:
        if depth > limit:
            return True
        deeper: list = []
        for item in level:
            children = item.values() if type(item) is dict else item
            deeper.extend([c for c in children if type(c) is dict or type(c) is list])
        level, depth = deeper, depth + 1
    return False


def loads(data: bytes | str):
    """json.loads, refusing more than MAX_DEPTH levels; raises ValueError (TooDeep) if bad."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise TooDeep(TOO_DEEP)
    if isinstance(value, dict | list) and value and _may_be_deep(data) and depth_exceeds(value):
        raise TooDeep(TOO_DEEP)
    return value


def _may_be_deep(data: bytes | str) -> bool:
    """Cheap pre-check: fewer than MAX_DEPTH opening brackets cannot nest deeper than that."""
    if isinstance(data, str):
        return data.count("[") + data.count("{") >= MAX_DEPTH
    return data.count(b"[") + data.count(b"{") >= MAX_DEPTH


def is_json_media_type(content_type: str) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def json_body(request):
    """The parsed JSON body of a DRF request that needs its raw bytes (signed webhooks).

    An empty body is None; a non-JSON content type is 415; bad or too deep JSON is 400."""
    raw = request.body
    if not raw:
        return None
    if not is_json_media_type(request.content_type):
        raise exceptions.UnsupportedMediaType(request.content_type or "(none)")
    try:
        return loads(raw)
    except TooDeep as exc:
        raise exceptions.ParseError(str(exc))
    except (ValueError, UnicodeDecodeError):
        raise exceptions.ParseError("The body is not valid JSON.")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the depth limit (settings.REST_FRAMEWORK DEFAULT_PARSER_CLASSES)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", "utf-8")
        try:
            return loads(stream.read().decode(encoding))
        except TooDeep as exc:
            raise exceptions.ParseError(str(exc))
        except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise exceptions.ParseError(f"JSON parse error - {exc}"[:300])
