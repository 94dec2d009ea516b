"""Base form for a connector kind's settings + write-only credentials.

Each CRM package's forms.py subclasses ConnectorSettingsForm and lists its `secret_fields`.
The same form validates the web Configure page and the API's `settings`/`credentials`.
"""

from django import forms

from portal.forms import SecretInput
from portal.urlpolicy import validate_link_url, validate_outbound_url


class ConnectorSettingsForm(forms.Form):
    secret_fields: tuple[str, ...] = ()

    def __init__(self, *args, secrets_set: dict[str, bool] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.secrets_set = secrets_set or {}
        for name in self.secret_fields:
            field = self.fields[name]
            field.widget = SecretInput()
            if self.secrets_set.get(name):
                # Already stored: blank means "keep the current value".
                field.required = False
                field.help_text = "Set - type a new value to replace it."

    def split(self) -> tuple[dict, dict]:
        """(settings, credentials) from cleaned_data; blank secrets are left out (= keep)."""
        settings, credentials = {}, {}
        for name, value in self.cleaned_data.items():
            if name in self.secret_fields:
                if value:
                    credentials[name] = value
            else:
                settings[name] = value
        return settings, credentials


def https_url_field(
    label: str, help_text: str = "", required: bool = True, initial=None, *, base: bool = True
):
    """A URL setting the portal connects to: checked by the outbound-address policy.

    base=True (an instance URL API paths are appended to): no query, fragment or user info.
    """
    return forms.URLField(
        label=label,
        help_text=help_text,
        required=required,
        initial=initial,
        assume_scheme="https",
        validators=[validate_outbound_url if base else validate_link_url],
    )
