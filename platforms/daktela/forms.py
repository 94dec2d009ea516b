"""The page form of a Daktela account (the API validates the same rules in platforms/api.py)."""

from django import forms

from platforms.accounts import save_cc_account
from platforms.models import ContactCenterAccount
from portal.forms import SecretInput
from portal.urlpolicy import validate_outbound_url


class ContactCenterForm(forms.ModelForm):
    url = forms.URLField(
        assume_scheme="https",
        max_length=300,
        label="Daktela URL",
        help_text="e.g. https://mycompany.daktela.com",
        validators=[validate_outbound_url],
    )
    access_token = forms.CharField(
        widget=SecretInput(), required=False, max_length=500, label="Access token"
    )

    class Meta:
        model = ContactCenterAccount
        fields = ["name", "url", "enabled"]
        labels = {"url": "Daktela URL"}

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        if self.instance.pk and self.instance.access_token_set:
            self.fields["access_token"].help_text = "Set - type a new value to replace it."
        else:
            self.fields["access_token"].required = True

    def clean_name(self):
        name = self.cleaned_data["name"]
        qs = ContactCenterAccount.objects.for_tenant(self.tenant).filter(name=name)
        if qs.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("An account with this name already exists.")
        return name

    def save(self, commit=True):
        account = super().save(commit=False)
        account.tenant = self.tenant
        token = self.cleaned_data.get("access_token") or ""
        if not commit:
            if token:
                account.credentials = {**(account.credentials or {}), "access_token": token}
            return account
        # What this form changed, merged into the locked row (platforms/accounts.py).
        changed = [f for f in self._meta.fields if not account.pk or f in self.changed_data]
        return save_cc_account(account, {f: self.cleaned_data[f] for f in changed}, token)
