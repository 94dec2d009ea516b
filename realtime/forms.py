from datetime import timedelta

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from realtime import screenpop
from realtime.api import clean_routing_numbers, next_position, validate_routing_rule
from realtime.models import MAX_POSITION, POSITION_FULL, RoutingKind, RoutingRule, ScreenPopRule


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = ["name", "kind", "field", "value", "bnum", "target", "position"]
        labels = {"bnum": "Called number (bnum)", "target": "Target number"}
        help_texts = {
            "field": "Contact-center field name from the field mappings (field_value rules).",
            "bnum": "The number the call came to (bnum rules), any format.",
            "target": "Where to send the caller (field_value and bnum rules).",
            "position": "Lower positions are tried first; the first matching rule wins.",
        }

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.fields["kind"].choices = RoutingKind.choices  # no "---------" entry
        self.fields["position"].required = False
        position = self.fields["position"]  # 1..MAX_POSITION, as in the API
        position.min_value, position.max_value = 1, MAX_POSITION
        position.validators += [MinValueValidator(1), MaxValueValidator(MAX_POSITION)]
        position.widget.attrs.update(min=1, max=MAX_POSITION)
        if not self.instance.pk:
            self.initial["position"] = None  # blank = append after the last rule

    def clean(self):
        data = super().clean()
        for name, message in validate_routing_rule(data, self.tenant.default_region).items():
            self.add_error(name, message)
        blank = "position" in data and data["position"] is None
        if blank and not self.instance.pk and next_position(self.tenant) > MAX_POSITION:
            self.add_error("position", POSITION_FULL)  # blank = after the last rule: none left
        if not self.errors:
            data = clean_routing_numbers(data, self.tenant.default_region)
        return data


class ScreenPopRuleForm(forms.ModelForm):
    class Meta:
        model = ScreenPopRule
        fields = ["key", "rule"]
        widgets = {
            "rule": forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "class": "mono"})
        }
        help_texts = {
            "key": "Rules are tried in text order of their keys: use 01, 02 ... 10.",
            "rule": "condition&&condition=>url, e.g. direction=inbound&&lookupCount=1=>default",
        }

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant

    def clean_key(self):
        try:
            key = screenpop.check_key(self.cleaned_data["key"])
        except screenpop.RuleError as exc:
            raise forms.ValidationError(str(exc))
        taken = ScreenPopRule.objects.for_tenant(self.tenant).filter(key=key)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(f"A rule with key {key!r} already exists.")
        return key

    def clean_rule(self):
        try:
            screenpop.parse(self.cleaned_data["rule"])
        except screenpop.RuleError as exc:
            raise forms.ValidationError(str(exc))
        return self.cleaned_data["rule"].strip()


class RoutingTestForm(forms.Form):
    """Shares field names with the API body; ids are prefixed so they differ from the rule form's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="test_%s", **kwargs)

    anum = forms.CharField(label="Caller (anum)", max_length=64)
    bnum = forms.CharField(label="Called number (bnum)", max_length=64, required=False)


class ScreenPopTestForm(forms.Form):
    direction = forms.ChoiceField(
        choices=[("inbound", "inbound"), ("outbound", "outbound"), ("queue", "queue")]
    )
    phone = forms.CharField(max_length=64, required=False)
    dnis = forms.CharField(label="DNIS", max_length=200, required=False)
    caller_name = forms.CharField(
        max_length=200, required=False, help_text="DNIS is taken from it when DNIS is empty."
    )


class WidgetTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="Where it is used, e.g. Daktela support queue."
    )
    expires_in_days = forms.IntegerField(
        min_value=1,
        max_value=3650,
        required=False,
        help_text="Empty: never expires (revoke it here).",
    )

    def expires_at(self):
        days = self.cleaned_data.get("expires_in_days")
        return timezone.now() + timedelta(days=days) if days else None
