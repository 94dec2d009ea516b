"""Serializers (and the documented request schema) of the calls API."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from calls.decisions import check_template
from calls.models import Call, CallActivity, CallEvent, CallSyncSettings
from calls.models.sync import CHANNELS
from calls.reasons import match_text, reason_text
from calls.validation import CHOICES, ID_FIELDS, INT_FIELDS, MAX_TAG, MAX_TAGS, TEXT_FIELDS
from delivery.models import DeliveryAttempt, SyncRecord
from portal.fastserializers import FastRepresentation

ACCEPTED = inline_serializer(
    "CallEventsAccepted",
    {"accepted": serializers.IntegerField(), "duplicates": serializers.IntegerField()},
)


# What each call-event field means (Swagger shows these; docs/api.md "Call events").
EVENT_FIELD_HELP = {
    "event_id": "Idempotency key per tenant: an event with a known event_id is a duplicate "
    "(counted, not stored again).",
    "call_id": "The platform's id of the call; all events of one call share it.",
    "activity_id": "The platform's id of the agent's activity (one leg of the call).",
    "type": "What happened: ringing, answered, ended, missed, transferred, or wrapup (the "
    "agent's after-call work: notes, disposition, tags; may arrive after ended).",
    "direction": "in (the customer called), out (the agent called), internal.",
    "caller": "The calling number (anum), any format; normalised with the tenant's region.",
    "callee": "The called number (bnum), any format.",
    "queue": "The queue's name on the platform (triggers and callback profiles match it).",
    "agent_id": "The agent's login on the platform (user mappings link it to a CRM user).",
    "agent_email": "The agent's e-mail (user mappings match agents by it too).",
    "occurred_at": "When it happened: ISO 8601 with offset, years 1970-2200.",
    "duration_seconds": "Talk time in seconds (ended events); null or absent: unknown.",
    "wait_seconds": "Seconds the caller waited before an answer; null or absent: unknown.",
    "privacy": "work (logged), private (never logged), unclassified (logged only with the "
    "connector's sync_unclassified).",
    "status": "The call's outcome: answered, missed, abandoned, busy.",
    "recording_url": "The recording, an http(s) URL; null: none.",
    "notes": "The agent's notes (wrapup).",
    "disposition": "The agent's outcome label (wrapup).",
    "tags": "The agent's wrap-up labels; the latest event's list wins.",
}


class CallEventSerializer(serializers.Serializer):
    """Documentation of one event (validation is calls/validation.py, for speed)."""

    event_id = serializers.CharField(max_length=128, help_text=EVENT_FIELD_HELP["event_id"])
    call_id = serializers.CharField(max_length=128, help_text=EVENT_FIELD_HELP["call_id"])
    activity_id = serializers.CharField(
        max_length=128, required=False, help_text=EVENT_FIELD_HELP["activity_id"]
    )
    type = serializers.ChoiceField(
        ["ringing", "answered", "ended", "missed", "transferred", "wrapup"],
        help_text=EVENT_FIELD_HELP["type"],
    )
    direction = serializers.ChoiceField(
        ["in", "out", "internal"], required=False, help_text=EVENT_FIELD_HELP["direction"]
    )
    caller = serializers.CharField(required=False, help_text=EVENT_FIELD_HELP["caller"])
    callee = serializers.CharField(required=False, help_text=EVENT_FIELD_HELP["callee"])
    queue = serializers.CharField(required=False, help_text=EVENT_FIELD_HELP["queue"])
    agent_id = serializers.CharField(required=False, help_text=EVENT_FIELD_HELP["agent_id"])
    agent_email = serializers.CharField(required=False, help_text=EVENT_FIELD_HELP["agent_email"])
    occurred_at = serializers.DateTimeField(help_text=EVENT_FIELD_HELP["occurred_at"])
    duration_seconds = serializers.IntegerField(
        required=False, allow_null=True, help_text=EVENT_FIELD_HELP["duration_seconds"]
    )
    wait_seconds = serializers.IntegerField(
        required=False, allow_null=True, help_text=EVENT_FIELD_HELP["wait_seconds"]
    )
    privacy = serializers.ChoiceField(
        ["work", "private", "unclassified"], required=False, help_text=EVENT_FIELD_HELP["privacy"]
    )
    status = serializers.ChoiceField(
        ["answered", "missed", "abandoned", "busy"],
        required=False,
        help_text=EVENT_FIELD_HELP["status"],
    )
    recording_url = serializers.CharField(
        required=False, allow_null=True, help_text=EVENT_FIELD_HELP["recording_url"]
    )
    notes = serializers.CharField(
        required=False, max_length=4000, help_text=EVENT_FIELD_HELP["notes"]
    )
    disposition = serializers.CharField(
        required=False, max_length=128, help_text=EVENT_FIELD_HELP["disposition"]
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64),
        required=False,
        help_text=EVENT_FIELD_HELP["tags"],
    )


def _event_schema() -> dict:
    props: dict = {name: {"type": "string", "maxLength": n} for name, n in ID_FIELDS.items()}
    props |= {name: {"type": "string", "maxLength": n} for name, n in TEXT_FIELDS.items()}
    props |= {name: {"type": "string", "enum": list(v)} for name, v in CHOICES.items()}
    props |= {name: {"type": "integer", "minimum": 0, "nullable": True} for name in INT_FIELDS}
    props["occurred_at"] = {"type": "string", "format": "date-time"}
    props["recording_url"] |= {"nullable": True}
    props["tags"] = {
        "type": "array",
        "maxItems": MAX_TAGS,
        "items": {"type": "string", "maxLength": MAX_TAG},
    }
    for name, prop in props.items():
        if name in EVENT_FIELD_HELP:
            prop["description"] = EVENT_FIELD_HELP[name]
    return {
        "type": "object",
        "required": ["event_id", "call_id", "type", "occurred_at"],
        "properties": props,
    }


EVENT_SCHEMA = _event_schema()
EVENTS_BODY = {
    "oneOf": [
        EVENT_SCHEMA,
        {"type": "array", "minItems": 1, "maxItems": 1000, "items": EVENT_SCHEMA},
    ]
}


class ActivitySerializer(FastRepresentation, serializers.Serializer):
    activity_id = serializers.CharField()
    agent_id = serializers.CharField()
    agent_email = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)  # null until its event arrives
    answered_at = serializers.DateTimeField(allow_null=True)  # null: never answered
    ended_at = serializers.DateTimeField(allow_null=True)


class EventSerializer(FastRepresentation, serializers.Serializer):
    event_id = serializers.CharField()
    type = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    activity_id = serializers.CharField()


MATCH = inline_serializer(
    "SyncMatch",
    {
        "type": serializers.CharField(help_text="contact | lead | account; '' when none"),
        "crm_id": serializers.CharField(help_text="the linked record; '' = written unlinked"),
        "source": serializers.ChoiceField(["local", "live", "created"]),
        "candidates": serializers.IntegerField(help_text="records of that type that matched"),
    },
    allow_null=True,
)


class SyncSerializer(FastRepresentation, serializers.Serializer):
    connector = serializers.IntegerField(source="connector_id", allow_null=True)
    connector_name = serializers.CharField(source="connector.name", default="")
    kind = serializers.CharField()
    state = serializers.SerializerMethodField()
    reason = serializers.CharField()
    reason_text = serializers.SerializerMethodField()
    crm_record_id = serializers.CharField()
    crm_record_url = serializers.CharField()
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    late_updates = serializers.IntegerField(help_text="times re-sent after late events")
    late_updated_at = serializers.DateTimeField(allow_null=True)
    match = serializers.SerializerMethodField()
    match_text = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(
        source="crm_updated_at",
        allow_null=True,
        help_text="when the CRM record was last written (created or updated); null: not yet",
    )
    last_action = serializers.CharField(
        help_text="what the last write did: created | updated | linked (an existing CRM call "
        "within the start margin) | unchanged (the CRM cannot update a logged call); '' = none"
    )
    changed_at = serializers.DateTimeField(source="updated_at", help_text="this entry's change")
    retry_note = serializers.CharField(help_text="what the last retry changed; '' = none")
    retried_at = serializers.DateTimeField(allow_null=True)

    def get_state(self, record) -> str:
        return "pending" if record.state == "running" else record.state  # leased = still pending

    def get_reason_text(self, record) -> str:
        return reason_text(record)

    @extend_schema_field(MATCH)
    def get_match(self, record) -> dict | None:
        """The CRM record the write is linked to (null: not matched, e.g. skipped before)."""
        m = record.match or {}
        if not m:
            return None
        return {
            "type": m.get("type", ""),
            "crm_id": m.get("crm_id", ""),
            "source": m.get("source", "local"),
            "candidates": m.get("candidates", 0),
        }

    def get_match_text(self, record) -> str:
        return match_text(record)


class AttemptSerializer(serializers.ModelSerializer):
    """One delivery try of a sync entry (delivery.models.DeliveryAttempt)."""

    class Meta:
        model = DeliveryAttempt
        fields = ["number", "started_at", "finished_at", "outcome", "error", "crm_request_id"]


class SyncDetailSerializer(SyncSerializer):
    """A sync entry of the call detail: also its delivery tries, oldest first (additive)."""

    attempt_history = AttemptSerializer(source="delivery_attempts", many=True, read_only=True)


def one_serializer(parent, cls):
    """One `cls` for every row `parent` serializes (a list page): DRF copies a serializer's
    fields each time one is made, so a new one per call cost more than the call itself."""
    cache = parent.__dict__.setdefault("_children", {})
    if cls not in cache:
        cache[cls] = cls(context=parent.context)
    return cache[cls]


def sync_records_of(row) -> list:
    """The row's sync entries: prefetched as a list (calls_with_details), else queried."""
    records = getattr(row, "sync_list", None)
    return list(row.sync_records.all()) if records is None else records


class CallSerializer(FastRepresentation, serializers.ModelSerializer):
    activities = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    sync = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = [
            "id",
            "call_id",
            "direction",
            "caller",
            "callee",
            "queue",
            "status",
            "started_at",
            "answered_at",
            "ended_at",
            "duration_seconds",
            "wait_seconds",
            "privacy",
            "agent_id",
            "agent_email",
            "recording_url",
            "notes",
            "disposition",
            "tags",
            "ended",
            "activities",
            "events",
            "sync",
        ]

    sync_serializer = SyncSerializer

    def _many(self, cls, rows) -> list:
        child = one_serializer(self, cls)
        return [child.to_representation(row) for row in rows]

    @extend_schema_field(ActivitySerializer(many=True))
    def get_activities(self, call) -> list:
        legs = getattr(call, "activity_list", None)
        return self._many(ActivitySerializer, call.activities.all() if legs is None else legs)

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, call) -> list:
        by_call = self.context.get("events_by_call")
        if by_call is not None:  # a list page: loaded in one query by the view
            return self._many(EventSerializer, by_call.get(call.call_id, []))
        events = CallEvent.objects.for_tenant(call.tenant_id).filter(call_id=call.call_id)
        return self._many(EventSerializer, events.order_by("occurred_at", "id"))

    @extend_schema_field(SyncSerializer(many=True))
    def get_sync(self, call) -> list:
        records = sync_records_of(call)
        if not records and call.decided_at:
            return [NO_CONNECTOR]
        return self._many(self.sync_serializer, records)


NO_CONNECTOR = {
    "connector": None,
    "connector_name": "",
    "kind": "call_log",
    "state": "skipped",
    "reason": "no_connector",
    "reason_text": "not synced: the tenant has no CRM connector",
    "crm_record_id": "",
    "crm_record_url": "",
    "attempts": 0,
    "last_error": "",
    "next_attempt_at": None,
    "late_updates": 0,
    "late_updated_at": None,
    "match": None,
    "match_text": "",
    "updated_at": None,
    "last_action": "",
    "changed_at": None,
    "retry_note": "",
    "retried_at": None,
}


class CallDetailSerializer(CallSerializer):
    """GET /calls/{id}/: a call with its sync entries' attempt history."""

    sync_serializer = SyncDetailSerializer

    @extend_schema_field(SyncDetailSerializer(many=True))
    def get_sync(self, call) -> list:
        return super().get_sync(call)


def calls_with_details(qs, attempts: bool = False):
    """Calls with activities (`call.activity_list`) and sync entries (`call.sync_list`, with
    their connector, its secrets not read) prefetched as lists; `attempts`: and their tries."""
    records = (
        SyncRecord.objects.select_related("connector")
        .defer("connector__credentials", "connector__token")
        .order_by("id")
    )
    if attempts:
        records = records.prefetch_related(
            Prefetch("delivery_attempts", DeliveryAttempt.objects.order_by("id"))
        )
    return qs.prefetch_related(
        Prefetch("activities", CallActivity.objects.order_by("started_at", "id"), "activity_list"),
        Prefetch("sync_records", records, "sync_list"),
    )


class CallSyncSettingsSerializer(serializers.ModelSerializer):
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

    def validate_channels(self, value):
        if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
            raise serializers.ValidationError("A list of channels.")
        unknown = [c for c in value if c not in CHANNELS]
        if unknown:
            raise serializers.ValidationError(f"Unknown channel(s) {unknown}: one of {CHANNELS}.")
        return [c for c in CHANNELS if c in value]  # stored in the canonical order, no repeats

    def validate_subject_template(self, value):
        problem = check_template(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value
