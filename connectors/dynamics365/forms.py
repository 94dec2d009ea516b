from django import forms
from django.core.validators import RegexValidator

from connectors.forms import ConnectorSettingsForm, https_url_field

logical_name = RegexValidator(
    r"^[a-z][a-z0-9]*_[a-z0-9_]+$",
    "A custom column's logical name: lower case with its publisher prefix, e.g. cc_callkey.",
)


class Dynamics365Form(ConnectorSettingsForm):
    secret_fields = ("client_secret",)

    instance_url = https_url_field(
        "Instance URI", "Your environment's URL, e.g. https://org.crm4.dynamics.com"
    )
    client_id = forms.CharField(label="Application (client) ID", max_length=100)
    directory_id = forms.CharField(label="Directory (tenant) ID", max_length=100)
    client_secret = forms.CharField(label="Application secret", max_length=300)
    authority_host = https_url_field(
        "Authority host",
        "https://login.microsoftonline.com unless your environment is in a sovereign cloud.",
        required=False,
        initial="https://login.microsoftonline.com",
    )
    phonecall_key_field = forms.CharField(
        label="Phone call key column",
        required=False,
        initial="cc_callkey",
        max_length=100,
        validators=[logical_name],
        help_text="Text column with an alternate key on Phone Call; makes call logging "
        "retry-safe. Default cc_callkey.",
    )
    incident_key_field = forms.CharField(
        label="Case key column",
        required=False,
        initial="cc_ticketkey",
        max_length=100,
        validators=[logical_name],
        help_text="Text column with an alternate key on Case (incident). Default cc_ticketkey.",
    )

    def clean_authority_host(self):
        return self.cleaned_data.get("authority_host") or "https://login.microsoftonline.com"

    def clean_phonecall_key_field(self):
        return self.cleaned_data.get("phonecall_key_field") or "cc_callkey"

    def clean_incident_key_field(self):
        return self.cleaned_data.get("incident_key_field") or "cc_ticketkey"
