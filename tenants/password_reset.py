"""The password-reset request page: throttled, and blind to whether the address exists.

The view validates the form, counts the request against two budgets in the shared cache (per
address and per client IP) and enqueues `tenants.send_password_reset`; it never looks the user
up, so known and unknown addresses take the same path and get the same answer.
"""

import hashlib
import logging

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import render

from portal.throttling import client_ip, hit
from tenants.tasks import send_password_reset

log = logging.getLogger(__name__)


def reset_wait(request, email: str) -> float | None:
    """Seconds until this address or client may ask again; None when within both budgets."""
    period = settings.PASSWORD_RESET_WINDOW_MINUTES * 60
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    waits = [
        hit(f"pwreset:ip:{client_ip(request)}", settings.PASSWORD_RESET_LIMIT_PER_IP, period),
        hit(f"pwreset:addr:{digest}", settings.PASSWORD_RESET_LIMIT_PER_ADDRESS, period),
    ]
    waits = [w for w in waits if w is not None]
    return max(waits) if waits else None


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form):
        email = form.cleaned_data["email"]
        wait = reset_wait(self.request, email)
        if wait is not None:
            context = self.get_context_data(form=form, wait_minutes=max(1, round(wait / 60)))
            response = render(
                self.request, "registration/password_reset_throttled.html", context, status=429
            )
            response["Retry-After"] = str(int(wait))
            return response
        try:
            send_password_reset.delay(email, self.request.get_host(), self.request.is_secure())
        except Exception:  # broker down: same answer; the user asks again later
            log.exception("could not enqueue a password-reset mail")
        return super(auth_views.PasswordResetView, self).form_valid(form)


class UnlockingPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting a new password through a valid reset link lifts the log-in lock of that user name
    (what the lock-out page promises): whoever holds the mailbox is the account's owner."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response
