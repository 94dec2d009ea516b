from django import forms

from connectors.forms import ConnectorSettingsForm, https_url_field


class SugarCRMForm(ConnectorSettingsForm):
    secret_fields = ("password",)

    instance_url = https_url_field("Instance URI", "e.g. https://acme.sugarondemand.com")
    username = forms.CharField(label="User name", max_length=200)
    password = forms.CharField(label="Password", max_length=200)
    platform = forms.CharField(
        label="Platform",
        max_length=64,
        required=False,
        initial="ccportal",
        help_text="An API platform registered in Sugar (a second login on one platform logs the first out).",
    )

    def clean_platform(self):
        return self.cleaned_data.get("platform") or "ccportal"
