"""Forms of the contacts pages (the API validates the same rules in contacts/api.py)."""

from django import forms

from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount
from contacts import metadata
from contacts.models import ContactSyncSettings, FieldMapping, UserMapping


class FieldMappingForm(forms.Form):
    connector = forms.ModelChoiceField(queryset=ConnectorAccount.objects.none())
    crm_object = forms.CharField(max_length=64, label="CRM object")
    crm_field = forms.ChoiceField(label="CRM field", choices=[])
    cc_field = forms.RegexField(
        r"^[A-Za-z0-9_.\-]{1,128}$",
        label="Contact-center field",
        help_text="The custom field's name in the contact center (letters, digits, _ . -).",
    )

    def __init__(self, *args, tenant, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.metadata_error = ""
        self.fields["connector"].queryset = ConnectorAccount.objects.for_tenant(tenant)
        account = self._account()
        if account is not None:
            obj = (self.data.get("crm_object") or "").strip() or metadata.contact_object(account)
            self.initial.setdefault("crm_object", obj)
            self.fields["crm_object"].initial = obj
            try:
                fields = metadata.crm_fields(account, obj)
                self.fields["crm_field"].choices = [("", "— choose a field —")] + [
                    (f.name, f"{f.label} ({f.name})")
                    for f in sorted(fields, key=lambda f: f.label.lower())
                ]
            except (ConnectorError, NotImplementedError) as exc:
                self.metadata_error = f"Could not read the CRM's fields: {exc}"

    def _account(self):
        raw = self.data.get("connector") or self.initial.get("connector")
        qs = self.fields["connector"].queryset
        if raw is None:
            return qs.first()
        if isinstance(raw, ConnectorAccount):
            return raw
        return qs.filter(pk=raw).first() if str(raw).isdigit() else None

    def clean(self):
        data = super().clean()
        if self.metadata_error:
            raise forms.ValidationError(self.metadata_error)
        account = data.get("connector")
        if (
            account
            and FieldMapping.objects.for_tenant(account.tenant_id)
            .filter(
                connector=account, crm_object=data.get("crm_object"), cc_field=data.get("cc_field")
            )
            .exists()
        ):
            self.add_error("cc_field", "This contact-center field is already mapped.")
        return data


class UserMappingForm(forms.ModelForm):
    class Meta:
        model = UserMapping
        fields = ["agent_id", "agent_email", "agent_phone", "crm_email"]
        labels = {"crm_email": "CRM email (override)"}

    def __init__(self, *args, connector=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.connector = connector

    def clean_agent_id(self):
        value = self.cleaned_data["agent_id"].strip()
        if (
            UserMapping.objects.for_tenant(self.connector.tenant_id)
            .filter(connector=self.connector, agent_id=value)
            .exists()
        ):
            raise forms.ValidationError("This agent is already listed.")
        return value


class SyncSettingsForm(forms.ModelForm):
    class Meta:
        model = ContactSyncSettings
        fields = ["enabled", "interval_minutes", "reconcile_hours"]
        labels = {
            "interval_minutes": "Every (minutes)",
            "reconcile_hours": "Check deletes every (hours)",
        }
