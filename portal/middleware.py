"""Request guards that run before any view reads the request (issue 11, point 8).

* An API request whose declared body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE is answered
  413 in the API's error format before anything reads it (Django would raise RequestDataTooBig
  only when `request.body` is read, and DRF's parsers read the stream without that check).
* JSON API responses (/api/v1/) carry a fixed, strict Content-Security-Policy (`API_CSP`):
  they are never documents with scripts, and django-csp's per-request policy is for pages.
* The page-only middleware (sessions, the user, CSRF, messages, axes) is skipped for the JSON
  API (`pages_only`): an API request authenticates with its key, never with a session cookie,
  and DRF's views are CSRF-exempt, yet each of them ran on every API request.
* A page request (not /api/) whose query string holds a NUL byte is a 400 page: PostgreSQL
  cannot compare text with NUL, so any filter using it raised a 500. The API validates its
  query parameters itself (fields named in error.fields), and so does the widget.
"""

from axes.middleware import AxesMiddleware
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponseBadRequest, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.template import loader

from portal.api import error_body

# Pages that validate their query themselves: the activity widget answers 200 with "no match"
# for any odd caller number (it is framed by the contact center; an error page helps no one).
OWN_CHECKS = ("/widget/",)
API_PREFIX = "/api/v1/"  # the JSON API: no session, no page middleware
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
TOO_LARGE = "The request body is larger than {limit} bytes (DATA_UPLOAD_MAX_MEMORY_SIZE)."


def too_large_response() -> JsonResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return JsonResponse(error_body("payload_too_large", TOO_LARGE.format(limit=limit)), status=413)


class InputGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if limit is not None and length > limit:
                return too_large_response()
            response = self.get_response(request)
            if request.path.startswith(API_PREFIX):
                response.headers.setdefault("Content-Security-Policy", API_CSP)
            return response
        elif not request.path.startswith(OWN_CHECKS) and _nul_in(request.GET):
            page = loader.render_to_string("400.html", {}, request)
            return HttpResponseBadRequest(page)
        return self.get_response(request)


def _nul_in(query) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in query.lists())


def pages_only(cls):
    """`cls`, skipped for JSON API requests (still a subclass: Django's and the admin's checks
    find the middleware they require)."""

    class PagesOnly(cls):
        def __call__(self, request):
            if request.path.startswith(API_PREFIX):
                return self.get_response(request)
            return super().__call__(request)

    PagesOnly.__name__ = PagesOnly.__qualname__ = f"Page{cls.__name__}"
    PagesOnly.__module__ = __name__
    return PagesOnly


PageSessionMiddleware = pages_only(SessionMiddleware)
PageAuthenticationMiddleware = pages_only(AuthenticationMiddleware)
PageCsrfViewMiddleware = pages_only(CsrfViewMiddleware)
PageMessageMiddleware = pages_only(MessageMiddleware)
PageAxesMiddleware = pages_only(AxesMiddleware)


# django-csp for pages only: JSON API responses get API_CSP above (EXCLUDE_URL_PREFIXES alone
# still ran its request and response hooks: ~0.37 M instructions, a tenth of a routing lookup,
# measured with callgrind).
PageCSPMiddleware = pages_only(CSPMiddleware)
