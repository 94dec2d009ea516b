"""Forms of the operations pages: notification settings, retention periods, erasure."""

import base64
import binascii

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from operations.models import NotificationSettings, RetentionSettings
from portal.urlpolicy import validate_outbound_url

SECRET_PREFIX = "whsec_"


def validate_webhook_secret(value: str) -> None:
    """A Standard Webhooks secret: whsec_ + base64 of 24 to 64 random bytes."""
    raw = value[len(SECRET_PREFIX) :] if value.startswith(SECRET_PREFIX) else value
    try:
        key = base64.b64decode(raw + "==", validate=False)
    except (binascii.Error, ValueError):
        key = b""
    if not (24 <= len(key) <= 64) or not raw.replace("=", "").isascii():
        raise ValidationError(
            "Use a Standard Webhooks secret: whsec_ followed by the base64 of 24-64 random "
            "bytes (e.g. whsec_ + `openssl rand -base64 32`)."
        )


class NotificationSettingsForm(forms.ModelForm):
    """Recipients, webhook URL and secret (write-only: empty keeps the stored one), threshold."""

    webhook_secret = forms.CharField(
        required=False,
        label="Webhook signing secret",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only, stored encrypted. Leave empty to keep the stored secret. The "
        "receiver verifies the <code>webhook-signature</code> header with it (Standard "
        "Webhooks).",
    )
    clear_webhook = forms.BooleanField(required=False, label="Remove the webhook (URL and secret)")

    class Meta:
        model = NotificationSettings
        fields = ["email_enabled", "recipients", "webhook_url", "backlog_minutes"]
        labels = {
            "email_enabled": "Send alerts by e-mail",
            "recipients": "E-mail recipients",
            "webhook_url": "Webhook URL",
            "backlog_minutes": "Backlog alert after (minutes)",
        }
        help_texts = {
            "recipients": "Addresses separated by commas or lines. Empty: every admin of "
            "this tenant.",
            "webhook_url": "Optional. An https URL that receives each alert as a signed JSON POST.",
            "backlog_minutes": "Alert when the oldest delivery still waiting for a CRM is "
            "older than this.",
        }
        widgets = {"recipients": forms.Textarea(attrs={"rows": 3, "spellcheck": "false"})}

    def clean_recipients(self):
        value = self.cleaned_data.get("recipients", "")
        config = NotificationSettings(recipients=value)
        for address in config.recipient_list():
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(f"{address!r} is not an e-mail address.")
        return ", ".join(config.recipient_list())

    def clean_webhook_url(self):
        value = (self.cleaned_data.get("webhook_url") or "").strip()
        if value:
            validate_outbound_url(value, base=False)
        return value

    def clean_webhook_secret(self):
        value = (self.cleaned_data.get("webhook_secret") or "").strip()
        if value:
            validate_webhook_secret(value)
        return value

    def clean(self):
        data = super().clean()
        if data.get("clear_webhook"):
            data["webhook_url"] = ""
            return data
        has_secret = bool(data.get("webhook_secret")) or bool(
            self.instance.pk and self.instance.webhook_secret
        )
        if data.get("webhook_url") and not has_secret:
            self.add_error("webhook_secret", "Give a signing secret for the webhook.")
        return data

    def save(self, commit=True):
        config = super().save(commit=False)
        if self.cleaned_data.get("clear_webhook"):
            config.webhook_url = ""
            config.webhook_secret = ""
        elif self.cleaned_data.get("webhook_secret"):
            config.webhook_secret = self.cleaned_data["webhook_secret"]
        if commit:
            config.save()
        return config


class RetentionSettingsForm(forms.ModelForm):
    class Meta:
        model = RetentionSettings
        fields = ["call_events_days", "calls_days", "audit_days", "jobs_days"]
        labels = {
            "call_events_days": "Call events (days)",
            "calls_days": "Calls and interactions (days)",
            "audit_days": "Audit log (days)",
            "jobs_days": "Background jobs (days)",
        }


class ErasureForm(forms.Form):
    phone = forms.CharField(required=False, max_length=64, label="Phone number")
    email = forms.CharField(required=False, max_length=254, label="E-mail address")

    def clean(self):
        data = super().clean()
        if not (data.get("phone") or "").strip() and not (data.get("email") or "").strip():
            raise ValidationError("Give a phone number or an e-mail address.")
        return data
