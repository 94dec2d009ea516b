"""OpenAPI post-processing: document the error statuses every endpoint can answer.

drf-spectacular only describes the success response of most views, so clients (and the
schemathesis fuzz test) would see 400/401/404 as undocumented. Every API error has the one shape
of portal.api.error_body; this hook adds it wherever an operation does not document that status
itself (docs/api.md, "Errors").
"""

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "snake_case, stable: see the example"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": True},
            },
        }
    },
}
DESCRIPTIONS = {
    "400": "Invalid input (`error.fields` names the offending fields), or the CRM's refusal.",
    "401": "No API key, or a revoked one.",
    "404": "No such object in this tenant (a foreign id is answered the same way), or no such page.",
    "413": "The body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE (`payload_too_large`).",
    "415": "The body is not `application/json` (`unsupported_media_type`).",
    "409": "The connector's CRM cannot do this (`not_supported`: it lacks the capability; "
    "`capabilities` on the connector lists what it can do).",
}
# The example of each status: its real code (Swagger shows it; a 401 is not validation_error).
EXAMPLES = {
    "400": ("validation_error", "name: This field is required.", {"name": ["required"]}),
    "401": ("not_authenticated", "Authentication credentials were not provided.", {}),
    "404": ("not_found", "Not found.", {}),
    "409": ("not_supported", "retailCRM cannot list queues.", {}),
    "413": ("payload_too_large", "The request body is too large.", {}),
    "415": ("unsupported_media_type", 'Unsupported media type "text/plain" in request.', {}),
}


def example(status: str) -> dict:
    code, message, fields = EXAMPLES[status]
    return {"error": {"code": code, "message": message, "fields": fields}}


# Operations refused with 409 not_supported when the connector's kind lacks the capability
# (connectors/capabilities.py require()): path suffix -> methods.
CAPABILITY_GATED = {
    "/contact-sync-settings/": {"get", "put", "patch"},
    "/match-users/": {"post"},
    "/sync-contacts/": {"post"},
    "/call-sync-settings/": {"get", "put", "patch"},
    "/api/v1/triggers/": {"post"},
    "/api/v1/triggers/{id}/": {"put", "patch"},
    "/api/v1/callback-profiles/": {"post"},
    "/api/v1/callback-profiles/{id}/": {"put", "patch"},
}
METHODS = {"get", "post", "put", "patch", "delete"}


def _error_statuses(path: str, method: str, operation: dict) -> list[str]:
    params = operation.get("parameters", [])
    statuses = ["401"]
    writes = method in ("post", "put", "patch")
    if writes or operation.get("requestBody") or any(p.get("in") == "query" for p in params):
        statuses.append("400")
    if "{" in path or any(p.get("name") == "page" for p in params):
        statuses.append("404")
    if writes:  # any body may be too large or not JSON (portal/middleware.py, portal/parsers.py)
        statuses += ["413", "415"]
    if any(path.endswith(end) and method in m for end, m in CAPABILITY_GATED.items()):
        statuses.append("409")
    return statuses


def document_errors(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    schema = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status in _error_statuses(path, method, operation):
                content = {"application/json": {"schema": schema, "example": example(status)}}
                responses.setdefault(
                    status, {"description": DESCRIPTIONS[status], "content": content}
                )
    return result
