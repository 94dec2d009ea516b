from django import forms

from calls.decisions import TEMPLATE_FIELDS, check_template
from calls.models import CallSyncSettings
from calls.models.call import DIRECTIONS, STATUSES
from calls.models.sync import CHANNELS
from delivery.models import SyncState


class CallFilterForm(forms.Form):
    """The filter bar of the calls list (validated again in calls/filters.py)."""

    phone = forms.CharField(required=False, label="Phone", max_length=64)
    agent_email = forms.CharField(required=False, label="Agent email", max_length=254)
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))
    direction = forms.ChoiceField(
        required=False, choices=[("", "Any direction"), *[(d, d) for d in DIRECTIONS]]
    )
    queue = forms.CharField(required=False, label="Queue", max_length=128)
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *[(s, s) for s in STATUSES]]
    )
    sync_state = forms.ChoiceField(
        required=False, label="Sync", choices=[("", "Any sync state"), *SyncState.choices]
    )
    connector = forms.TypedChoiceField(required=False, label="Connector", coerce=int)

    def __init__(self, *args, connectors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["connector"].choices = [("", "Any connector")] + [
            (c.pk, c.name) for c in connectors
        ]


class CallSyncSettingsForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        required=False,
        choices=[(c, c) for c in CHANNELS],
        widget=forms.CheckboxSelectMultiple,
        label="Channels logged into this CRM",
        help_text="Interactions (email, chat, SMS) of an unchecked channel are not logged.",
    )

    class Meta:
        model = CallSyncSettings
        fields = [
            "enabled",
            "min_duration_seconds",
            "start_margin_seconds",
            "default_owner_crm_id",
            "sync_unclassified",
            "subject_template",
            "channels",
        ]
        labels = {
            "enabled": "Log calls to this CRM",
            "min_duration_seconds": "Minimum duration (seconds)",
            "start_margin_seconds": "Duplicate margin (seconds)",
            "default_owner_crm_id": "Default owner (CRM user id)",
            "sync_unclassified": "Also log unclassified calls",
        }
        help_texts = {
            "min_duration_seconds": "Answered calls shorter than this are not logged. Missed "
            "calls are always logged as missed.",
            "start_margin_seconds": "A call is not logged when a call with the same number, "
            "started within this many seconds, is already logged. 0 turns the check off.",
            "default_owner_crm_id": "Owner of calls whose agent has no mapped CRM user.",
            "sync_unclassified": "Private calls are never logged.",
            "subject_template": "Placeholders: "
            + ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS),
        }

    def clean_subject_template(self):
        value = self.cleaned_data["subject_template"]
        if problem := check_template(value):
            raise forms.ValidationError(problem)
        return value


class SecretForm(forms.Form):
    label = forms.CharField(required=False, max_length=100, help_text="e.g. the sending system")
