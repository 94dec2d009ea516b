from django import forms

from automations.models import (
    EARLY,
    FIRE_ON,
    FIRE_ON_HELP,
    STATUSES,
    CallbackProfile,
    Trigger,
    early_statuses_error,
)
from automations.rendering import CALL_PLACEHOLDERS, template_errors
from automations.services import crm_queues
from connectors.capabilities import Capability, kinds_with
from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount


class CommaListField(forms.CharField):
    """ "Support, Sales" <-> ["Support", "Sales"]."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [part.strip() for part in (value or "").split(",") if part.strip()]


class TenantConnectorMixin:
    capability: Capability  # only connectors whose CRM can do it are offered

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.fields["connector"].queryset = ConnectorAccount.objects.for_tenant(tenant).filter(
            kind__in=kinds_with(self.capability)
        )
        self.fields["connector"].empty_label = "Choose a CRM connector"  # not "---------"


class TriggerForm(TenantConnectorMixin, forms.ModelForm):
    capability = Capability.TICKETS
    queues = CommaListField(
        required=False, help_text="Comma-separated queue names; empty = any queue."
    )
    statuses = forms.MultipleChoiceField(
        choices=[(s, s.capitalize()) for s in STATUSES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked = any status.",
    )
    directions = forms.MultipleChoiceField(
        choices=[("in", "Inbound"), ("out", "Outbound"), ("internal", "Internal")],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked = any direction.",
    )
    fire_on = forms.ChoiceField(
        label="Open the ticket when the call",
        choices=FIRE_ON,
        initial="ended",
        required=False,  # not sent (an older form): ended, as before
        help_text=FIRE_ON_HELP,
    )

    class Meta:
        model = Trigger
        fields = [
            "name",
            "connector",
            "active",
            "fire_on",
            "queues",
            "statuses",
            "directions",
            "subject_template",
        ]
        help_texts = {
            "subject_template": "Placeholders: "
            + ", ".join(f"{{{p}}}" for p in sorted(CALL_PLACEHOLDERS))
        }

    def clean_subject_template(self):
        value = self.cleaned_data["subject_template"]
        if error := template_errors(value, CALL_PLACEHOLDERS):
            raise forms.ValidationError(error)
        return value

    def clean_fire_on(self):
        return self.cleaned_data.get("fire_on") or "ended"

    def clean(self):
        data = super().clean()
        if data.get("fire_on") in EARLY and data.get("statuses"):
            self.add_error("statuses", early_statuses_error(data["fire_on"]))
        return data


class CallbackProfileForm(TenantConnectorMixin, forms.ModelForm):
    capability = Capability.CALLBACKS
    crm_queue_id = forms.ChoiceField(label="CRM queue", required=False)

    class Meta:
        model = CallbackProfile
        fields = [
            "name",
            "connector",
            "callback_list",
            "crm_queue_id",
            "ownership",
            "subject",
            "duplicates",
            "sync_method",
            "age_unit",
            "age",
        ]

    def __init__(self, *args, queues=None, queue_error="", **kwargs):
        super().__init__(*args, **kwargs)
        self.queue_error = queue_error
        choices = [("", "- none -")] + [(q.crm_id, q.name) for q in (queues or [])]
        current = self.initial.get("crm_queue_id") or (
            self.instance.crm_queue_id if self.instance else ""
        )
        if current and current not in dict(choices):
            choices.append((current, f"{current} (not in the CRM's list)"))
        self.fields["crm_queue_id"].choices = choices
        # static/portal.js reloads the page for the chosen connector (its live queues)
        self.fields["connector"].widget.attrs["data-reload-param"] = "connector"
        if queue_error:
            self.fields[
                "crm_queue_id"
            ].help_text = f"Could not load the CRM's queues: {queue_error}"

    def clean_callback_list(self):
        value = self.cleaned_data["callback_list"]
        qs = CallbackProfile.objects.for_tenant(self.tenant).filter(callback_list=value)
        if self.instance.pk:
            qs = qs.exclude(pk=self.instance.pk)
        if qs.exists():
            raise forms.ValidationError("Another profile already handles this callback list.")
        return value

    def clean(self):
        data = super().clean()
        if data.get("ownership") == "queue_owner" and not data.get("crm_queue_id"):
            self.add_error("crm_queue_id", "The 'owner of queue' rule needs a CRM queue.")
        return data


def load_queues(connector):
    """(queues, error message) from the CRM's live queue list."""
    if connector is None:
        return [], ""
    try:
        return crm_queues(connector), ""
    except ConnectorError as exc:
        return [], str(exc)
