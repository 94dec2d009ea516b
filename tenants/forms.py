"""Forms of the tenant pages: settings (validated by the Tenant model's validators), API keys,
members and invitations."""

from zoneinfo import available_timezones

import phonenumbers
from django import forms
from django.contrib.auth import get_user_model, password_validation

from tenants.models import Role, Tenant


class TenantSettingsForm(forms.ModelForm):
    """Phone region, time zone, DNIS regex and allowed frame ancestors (one origin per line).

    Validation is the model's (tenants.models.validate_*), shared with /api/v1/settings/; the
    page only normalises input (upper-case region, trailing slashes of origins).
    """

    frame_ancestors = forms.CharField(
        required=False,
        label="Allowed frame ancestors",
        widget=forms.Textarea(attrs={"rows": 4, "class": "mono", "spellcheck": "false"}),
        help_text="Origins allowed to embed the portal's widgets in an iframe, one per line, "
        "e.g. <code>https://crm.example.com</code> or <code>https://*.example.com</code>. "
        "Empty: no embedding.",
    )

    class Meta:
        model = Tenant
        fields = ["default_region", "time_zone", "dnis_regex", "frame_ancestors"]
        labels = {
            "default_region": "Default phone region",
            "time_zone": "Time zone",
            "dnis_regex": "DNIS pattern",
        }
        help_texts = {
            "default_region": "Two-letter region used to read national numbers, e.g. CZ, FI, GB.",
            "time_zone": "IANA name used to show times, e.g. Europe/Prague.",
            "dnis_regex": "Regular expression whose first group extracts the dialled number "
            "(DNIS) from the caller name, e.g. <code>D:(.+?):</code>",
        }
        widgets = {
            "default_region": forms.TextInput(
                attrs={"list": "regions", "autocomplete": "off", "maxlength": 2, "class": "short"}
            ),
            "time_zone": forms.TextInput(
                attrs={"list": "time-zones", "autocomplete": "off", "class": "medium"}
            ),
            "dnis_regex": forms.TextInput(attrs={"class": "mono", "spellcheck": "false"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["frame_ancestors"] = "\n".join(self.instance.frame_ancestors or [])

    def clean_default_region(self):
        return self.cleaned_data["default_region"].strip().upper()

    def clean_time_zone(self):
        return self.cleaned_data["time_zone"].strip()

    def clean_frame_ancestors(self):
        lines = self.cleaned_data.get("frame_ancestors") or ""
        return [line.strip().rstrip("/") for line in lines.splitlines() if line.strip()]


def region_choices() -> list[str]:
    return sorted(phonenumbers.SUPPORTED_REGIONS)


def time_zone_choices() -> list[str]:
    return sorted(available_timezones())


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="Say who uses it, e.g. “Daktela events” or “nightly export script”.",
        widget=forms.TextInput(attrs={"placeholder": "e.g. Daktela events", "autocomplete": "off"}),
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the key a name.")
        return name


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail", help_text="The invitation link is sent here.")
    role = forms.ChoiceField(
        label="Role",
        choices=Role.choices,
        initial=Role.VIEWER,
        help_text="Admin configures; support also audits and retries; viewer reads.",
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class JoinForm(forms.Form):
    """The invited person's password, when they have no account yet."""

    password1 = forms.CharField(
        label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        data = super().clean()
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", "The two passwords differ.")
        elif one:
            try:
                password_validation.validate_password(
                    one, get_user_model()(username=self.email, email=self.email)
                )
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data
