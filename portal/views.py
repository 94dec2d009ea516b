import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from portal.api import error_body
from portal.celery import app

log = logging.getLogger(__name__)


def _broker_ok() -> tuple[bool, str]:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, "ok"
    except Exception as exc:  # any failure means "not reachable"
        return False, f"{type(exc).__name__}: {exc}"[:200]


def healthz(request):
    """Database and broker reachability, for load balancers and monitoring."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"{type(exc).__name__}: {exc}"[:200]
    ok, checks["broker"] = _broker_ok()
    healthy = ok and checks["database"] == "ok"
    return JsonResponse(
        {
            "status": "ok" if healthy else "unhealthy",
            "checks": checks,
            "broker": settings.CELERY_BROKER_URL.split("://")[0],
        },
        status=200 if healthy else 503,
    )


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if _wants_json(request):
        return JsonResponse(
            error_body("server_error", "Internal error; it has been logged."), status=500
        )
    return render(request, "500.html", status=500)
