import re

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
    task_external_id_field = forms.CharField(
        label="Task external ID field",
        max_length=80,
        required=False,
        initial="CC_Call_Key__c",
        help_text="Custom text field on Activity, External ID + Unique: makes call logging "
        "retry-safe. Blank = CC_Call_Key__c.",
    )
    case_external_id_field = forms.CharField(
        label="Case external ID field",
        max_length=80,
        required=False,
        initial="CC_Ticket_Key__c",
        help_text="Custom text field on Case, External ID + Unique. Blank = CC_Ticket_Key__c.",
    )

    def clean_task_external_id_field(self):
        return _api_name(self.cleaned_data.get("task_external_id_field"))

    def clean_case_external_id_field(self):
        return _api_name(self.cleaned_data.get("case_external_id_field"))


def _api_name(value: str) -> str:
    value = (value or "").strip()
    if value and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", value):
        raise forms.ValidationError("Use the field's API name, e.g. CC_Call_Key__c.")
    return value
