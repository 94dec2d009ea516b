"""The page django-axes shows when a user name + client IP pair is locked (AXES_LOCKOUT_CALLABLE)."""

from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.shortcuts import render
from django.utils import timezone


def lockout_response(request, original_response=None, credentials=None):
    # AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT (axes' default): the attempt that shows this
    # page restarted the wait, so "now + cool-off" is when the next attempt is accepted.
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60))
    context = {
        "username": get_client_username(request, credentials) or "",
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": minutes,
        "retry_at": timezone.localtime(timezone.now() + cool_off),
    }
    response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
