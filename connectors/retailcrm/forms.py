from django import forms

from connectors.forms import ConnectorSettingsForm, https_url_field


class RetailCRMForm(ConnectorSettingsForm):
    secret_fields = ("api_key", "click_to_call_token")

    instance_url = https_url_field("Instance URI", "e.g. https://acme.retailcrm.ru")
    integration_code = forms.SlugField(
        label="Integration code",
        max_length=64,
        initial="ccportal",
        help_text="The code of the telephony integration module registered in retailCRM.",
    )
    api_key = forms.CharField(label="API key", max_length=200)
    click_to_call_url = https_url_field(
        "Click-to-call URL",
        "Optional. The telephony side's URL that starts a call; click-to-call requests from "
        "retailCRM are relayed there as POST JSON {phone, agent, externalPhone}.",
        required=False,
        base=False,
    )
    click_to_call_token = forms.CharField(
        label="Click-to-call token",
        max_length=500,
        required=False,
        help_text="Optional. Sent to the click-to-call URL as 'Authorization: Bearer <token>'.",
    )
