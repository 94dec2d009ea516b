from django import forms

from connectors.forms import ConnectorSettingsForm, https_url_field


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

    def clean_authority_host(self):
        return self.cleaned_data.get("authority_host") or "https://login.microsoftonline.com"
