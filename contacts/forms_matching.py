"""The Caller matching page's forms: the policy (same rules as the API, contacts/policies.py)
and the phone tester."""

from django import forms

from contacts.models import MatchingPolicy, UnknownCaller
from contacts.policies import normal_region, objects_problem, unknown_caller_problem


class MatchingPolicyForm(forms.ModelForm):
    objects = forms.CharField(
        label="Record types, preferred first",
        max_length=100,
        help_text="Comma-separated, in order of preference; also what is imported and searched.",
    )

    class Meta:
        model = MatchingPolicy
        fields = [
            "live_lookup",
            "live_lookup_timeout_ms",
            "negative_cache_seconds",
            "multiple_matches",
            "unknown_caller",
            "region",
        ]
        labels = {
            "live_lookup": "Search the CRM when the store does not know a number",
            "live_lookup_timeout_ms": "Live search timeout (ms)",
            "negative_cache_seconds": "Remember unknown numbers for (seconds)",
            "multiple_matches": "When several records match",
            "unknown_caller": "When nothing matches a logged call",
            "region": "Region of national numbers",
        }
        help_texts = {
            "region": "ISO code such as GB; empty: the tenant's default region.",
            "negative_cache_seconds": "0: ask the CRM on every call from an unknown number.",
        }

    def __init__(self, *args, account, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["objects"].initial = ", ".join(self.instance.objects_order or [])
        self.fields[
            "objects"
        ].help_text += f" {account.provider.label} has: {', '.join(account.provider.record_types)}."
        self.fields["unknown_caller"].choices = [
            (value, label)
            for value, label in UnknownCaller.choices
            if not unknown_caller_problem(account, value)
        ]
        self.order_fields(["objects"])

    def clean_objects(self):
        value = [t.strip().lower() for t in self.cleaned_data["objects"].split(",") if t.strip()]
        if problem := objects_problem(self.account, value):
            raise forms.ValidationError(problem)
        return value

    def clean_region(self):
        region = normal_region(self.cleaned_data.get("region"))
        if region is None:
            raise forms.ValidationError("Not a known region (use an ISO code such as GB).")
        return region

    def save(self, commit=True):
        self.instance.objects_order = self.cleaned_data["objects"]
        return super().save(commit)


class PhoneTestForm(forms.Form):
    phone = forms.CharField(label="Phone number", max_length=64)
    live = forms.BooleanField(label="Search the CRM too", required=False)
