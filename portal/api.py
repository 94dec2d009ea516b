"""API conventions shared by every endpoint: error format and pagination (../shared/API.md)."""

import logging
import re

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions, metadata, pagination, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class JSONNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, with a shortcut for what nearly every client sends (no Accept header,
    `*/*`, or `application/json`) to a view that renders JSON first: the same renderer and media
    type DRF's general matching picks, without parsing the header (2.7% of a call event's CPU)."""

    ANY = ("", "*/*")

    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "")
        first = renderers[0] if renderers else None
        if (
            first is not None
            and format_suffix is None
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
            and (accept in self.ANY or (accept == first.media_type == "application/json"))
        ):
            return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)


class Metadata(metadata.SimpleMetadata):
    """OPTIONS answers name, description, renders and parses only.

    DRF's default also describes the serializer of each writable method, which builds the view's
    serializer (and object) outside the normal request path: views without a `serializer_class`
    or a `pk` kwarg answered OPTIONS with a 500. The OpenAPI schema describes the bodies instead.
    """

    def determine_metadata(self, request, view):
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
        }


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


MESSAGES = {
    "not_found": "Not found.",
    "validation_error": "The request has invalid fields; see error.fields.",
}


def error_body(code: str, message: str, fields=None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


log = logging.getLogger(__name__)


def exception_handler(exc, context):
    """Render every API error as {"error": {"code", "message", "fields"}}."""
    if isinstance(exc, DataError | ValueError | OverflowError):
        # Bad input that got past validation (a date with a +17:46 offset PostgreSQL cannot
        # store, a number too big for a column or a timestamp): the client's error, never a
        # 5xx. Logged with the traceback so the validation gap gets fixed at its source.
        view = type(context.get("view")).__name__
        log.warning("unvalidated bad input in %s: %s", view, type(exc).__name__, exc_info=exc)
        exc = exceptions.ValidationError(
            {"non_field_errors": ["A value is malformed or out of the supported range."]}
        )
    elif isinstance(exc, RequestDataTooBig):  # input: a body over DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = ApiError(413, "payload_too_large", "The request body is too large.")
    elif isinstance(exc, SuspiciousOperation):  # e.g. too many query or form fields
        exc = ApiError(400, "bad_request", "The request is malformed or too large.")
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real 5xx: let Django log it
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        code = "validation_error"
        message = _first_message(fields) or MESSAGES[code]
    else:
        fields = getattr(exc, "fields", None) or {}
        code = getattr(exc, "default_code", None) or _snake(type(exc).__name__)
        detail = getattr(exc, "detail", "")
        message = str(detail) if detail else MESSAGES.get(code, "Request failed.")
    response.data = error_body(code, message, fields)
    return response


def _first_message(fields, path="") -> str:
    if isinstance(fields, dict):
        for key, value in fields.items():
            found = _first_message(value, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(fields, list):
        for i, value in enumerate(fields):
            found = _first_message(value, path if isinstance(value, str) else f"{path}[{i}]")
            if found:
                return found
    elif fields:
        return f"{path}: {fields}" if path and path != "non_field_errors" else str(fields)
    return ""


def api_error(code: str, message: str, http_status=status.HTTP_400_BAD_REQUEST, fields=None):
    return Response(error_body(code, message, fields), status=http_status)


class ApiError(exceptions.APIException):
    """Raise from a view for a 4xx with a specific code: ApiError(400, "crm_error", "...")."""

    def __init__(self, http_status: int, code: str, message: str, fields=None):
        self.status_code = http_status
        self.default_code = code
        super().__init__(detail=message, code=code)
        self.fields = fields
