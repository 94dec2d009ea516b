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

    call_key_field = forms.RegexField(
        label="Call key field",
        regex=r"^[a-z][a-z0-9_]*_c$",
        max_length=64,
        required=False,
        initial="cc_call_key_c",
        help_text="Custom text field on Calls that stores the portal's call key (retry-safe logging).",
    )
    case_key_field = forms.RegexField(
        label="Case key field",
        regex=r"^[a-z][a-z0-9_]*_c$",
        max_length=64,
        required=False,
        initial="cc_case_key_c",
        help_text="Custom text field on Cases that stores the portal's ticket key.",
    )

    interaction_key_field = forms.RegexField(
        label="Interaction key field",
        regex=r"^[a-z][a-z0-9_]*_c$",
        max_length=64,
        required=False,
        initial="cc_interaction_key_c",
        help_text="Custom text field on Notes that stores the portal's chat / SMS key.",
    )

    def clean_call_key_field(self):
        return self.cleaned_data.get("call_key_field") or "cc_call_key_c"

    def clean_case_key_field(self):
        return self.cleaned_data.get("case_key_field") or "cc_case_key_c"

    def clean_platform(self):
        return self.cleaned_data.get("platform") or "ccportal"

    def clean_interaction_key_field(self):
        return self.cleaned_data.get("interaction_key_field") or "cc_interaction_key_c"
