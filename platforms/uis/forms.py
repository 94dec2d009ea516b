"""The page form of a UIS account, and the settings rules the API shares (clean_settings).

`settings`: data_api_url, call_api_url (each through the outbound URL policy),
virtual_phone_number (the UIS number the called customer sees). Secrets: `access_token` (Data
API token) and `call_api_key` (Call API key; the Data API token when empty), write-only.
"""

from django import forms
from django.core.exceptions import ValidationError

from platforms.accounts import save_cc_account
from platforms.models import ContactCenterAccount
from platforms.uis.client import CALL_API_URL, DATA_API_URL
from portal.forms import SecretInput
from portal.urlpolicy import validate_outbound_url

SETTINGS = ("data_api_url", "call_api_url", "virtual_phone_number")


def clean_settings(value) -> dict:
    """{data_api_url, call_api_url, virtual_phone_number}; ValidationError {field: [msg]}."""
    if not isinstance(value, dict):
        raise ValidationError(
            {"settings": ["An object with data_api_url, call_api_url, virtual_phone_number."]}
        )
    unknown = sorted(set(value) - set(SETTINGS))
    if unknown:
        raise ValidationError({"settings": [f"Unknown setting(s): {', '.join(unknown)}."]})
    clean, errors = {}, {}
    for field, default in (("data_api_url", DATA_API_URL), ("call_api_url", CALL_API_URL)):
        url = str(value.get(field) or default).strip()
        try:
            forms.URLField(max_length=300, assume_scheme="https").clean(url)
            validate_outbound_url(url, base=False)
        except ValidationError as exc:
            if getattr(exc, "code", None) == "address_not_allowed":
                raise ValidationError(
                    {field: [ValidationError(exc.messages[0], code=exc.code)]}
                ) from exc
            errors[field] = exc.messages
        clean[field] = url.rstrip("/")
    number = "".join(ch for ch in str(value.get("virtual_phone_number") or "") if ch.isdigit())
    if value.get("virtual_phone_number") and not 5 <= len(number) <= 15:
        errors["virtual_phone_number"] = ["5 to 15 digits, e.g. 74951234567."]
    clean["virtual_phone_number"] = number
    if errors:
        raise ValidationError(errors)
    return clean


class UisAccountForm(forms.ModelForm):
    data_api_url = forms.CharField(
        max_length=300, required=False, label="Data API URL", help_text=f"Default {DATA_API_URL}"
    )
    call_api_url = forms.CharField(
        max_length=300, required=False, label="Call API URL", help_text=f"Default {CALL_API_URL}"
    )
    virtual_phone_number = forms.CharField(
        max_length=32,
        required=False,
        label="Virtual phone number",
        help_text="The UIS number click-to-call shows the customer, e.g. 74951234567.",
    )
    access_token = forms.CharField(
        widget=SecretInput(), required=False, max_length=500, label="Data API access token"
    )
    call_api_key = forms.CharField(
        widget=SecretInput(),
        required=False,
        max_length=500,
        label="Call API key",
        help_text="Empty: the Data API token is used.",
    )

    class Meta:
        model = ContactCenterAccount
        fields = ["name", "enabled"]
        labels = {"enabled": "Enabled"}

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.fields["enabled"].help_text = "Accept notifications, place calls, push statuses"
        if self.instance.pk:
            for field in SETTINGS:
                self.fields[field].initial = (self.instance.settings or {}).get(field, "")
            if self.instance.access_token_set:
                self.fields["access_token"].help_text = "Set - type a new value to replace it."
            if (self.instance.credentials or {}).get("call_api_key"):
                self.fields["call_api_key"].help_text = "Set - type a new value to replace it."
        if not (self.instance.pk and self.instance.access_token_set):
            self.fields["access_token"].required = True

    def clean_name(self):
        name = self.cleaned_data["name"]
        qs = ContactCenterAccount.objects.for_tenant(self.tenant).filter(name=name)
        if qs.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("An account with this name already exists.")
        return name

    def clean(self):
        data = super().clean()
        try:
            data["settings"] = clean_settings({f: data.get(f) or "" for f in SETTINGS})
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data

    def save(self, commit=True):
        account = super().save(commit=False)
        account.tenant = self.tenant
        settings = self.cleaned_data["settings"]
        values = {
            "name": account.name,
            "enabled": account.enabled,
            "settings": settings,
            "url": settings["data_api_url"],
        }
        if not account.pk:
            account.kind = "uis"
        token = self.cleaned_data.get("access_token") or ""
        secrets = {"call_api_key": self.cleaned_data.get("call_api_key") or ""}
        return save_cc_account(account, values, token, secrets)
