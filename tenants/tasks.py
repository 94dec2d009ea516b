"""Tenant-level background work: the password-reset mail."""

from celery import shared_task
from django.contrib.auth.forms import PasswordResetForm


@shared_task(name="tenants.send_password_reset")
def send_password_reset(email: str, domain: str, use_https: bool) -> None:
    """Mail a reset link to the active users with this address, if any (Django's own form).

    Run here, not in the view, so the page answers in the same time whether or not the
    address belongs to an account (the user lookup, token and SMTP call happen only here).
    """
    form = PasswordResetForm({"email": email})
    if form.is_valid():
        form.save(domain_override=domain, use_https=use_https)
