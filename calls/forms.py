from django import forms

from calls.decisions import TEMPLATE_FIELDS, check_template
from calls.models import CallSyncSettings
from calls.models.call import DIRECTIONS, STATUSES
from calls.models.sync import CHANNELS
from contacts.matching import user_label
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
            "default_owner_crm_id": "Default owner",
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

    def __init__(self, *args, connector=None, users=None, users_error: str = "", **kwargs):
        """`users`: the CRM's users (contacts.matching.crm_users) for the default-owner
        dropdown, as on the user-mappings page; None or an error keeps a checked text box."""
        super().__init__(*args, **kwargs)
        self.connector = connector
        field = self.fields["default_owner_crm_id"]
        if users:
            current = self.initial.get("default_owner_crm_id") or ""
            choices = [("", "- none: the integration's own user -")] + [
                (u.crm_id, user_label(u) + ("" if u.active else " (inactive)")) for u in users
            ]
            if current and current not in dict(choices):
                choices.append((current, f"{current} (not in the CRM's user list)"))
            self.fields["default_owner_crm_id"] = forms.ChoiceField(
                label="Default owner", choices=choices, required=False, help_text=field.help_text
            )
        else:
            field.label = "Default owner (CRM user id)"
            if users_error:
                field.help_text = f"{field.help_text} Could not load the CRM's users: {users_error}"

    def clean_default_owner_crm_id(self):
        value = (self.cleaned_data.get("default_owner_crm_id") or "").strip()
        provider = self.connector.provider if self.connector is not None else None
        if value and provider is not None and not provider.valid_user_id(value):
            raise forms.ValidationError(
                f"Not a {provider.label} user id: expected {provider.user_id_help}."
            )
        return value

    def clean_subject_template(self):
        value = self.cleaned_data["subject_template"]
        if problem := check_template(value):
            raise forms.ValidationError(problem)
        return value


class SecretForm(forms.Form):
    label = forms.CharField(required=False, max_length=100, help_text="e.g. the sending system")
