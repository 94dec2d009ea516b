from django import forms

from connectors.forms import ConnectorSettingsForm, https_url_field


class RetailCRMForm(ConnectorSettingsForm):
    secret_fields = ("api_key",)

    instance_url = https_url_field("Instance URI", "e.g. https://acme.retailcrm.ru")
    integration_code = forms.SlugField(
        label="Integration code",
        max_length=64,
        initial="ccportal",
        help_text="The code of the telephony integration module registered in retailCRM.",
    )
    api_key = forms.CharField(label="API key", max_length=200)
