from django import forms

from connectors.forms import ConnectorSettingsForm, https_url_field


class SalesforceForm(ConnectorSettingsForm):
    secret_fields = ("password", "security_token", "client_secret")

    instance_url = https_url_field(
        "Instance URI", "Your org's URL, e.g. https://acme.my.salesforce.com"
    )
    username = forms.CharField(
        label="User name",
        max_length=200,
        required=False,
        help_text="The API user's login (not needed for the web-server flow).",
    )
    password = forms.CharField(label="Password", max_length=200, required=False)
    security_token = forms.CharField(label="Security token", max_length=200, required=False)
    client_id = forms.CharField(
        label="Client ID", max_length=300, help_text="Connected app's Consumer Key."
    )
    client_secret = forms.CharField(
        label="Client secret", max_length=300, help_text="Connected app's Consumer Secret."
    )
