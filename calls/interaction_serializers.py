"""Serializers (and the documented request schema) of the interactions API."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from calls.interaction_decisions import INTERACTION_LOG
from calls.interaction_validation import (
    CHOICES,
    LONG_FIELDS,
    MAX_BATCH,
    MAX_TAG,
    MAX_TAGS,
    TEXT_FIELDS,
)
from calls.models import Interaction
from calls.serializers import NO_CONNECTOR, SyncDetailSerializer, SyncSerializer
from delivery.models import DeliveryAttempt, SyncRecord


def _item_schema() -> dict:
    props: dict = {"interaction_id": {"type": "string", "maxLength": 128}}
    props |= {name: {"type": "string", "enum": list(v)} for name, v in CHOICES.items()}
    props["address"] = {
        "type": "string",
        "maxLength": 254,
        "description": "The customer's e-mail address (email) or phone number (chat, sms).",
    }
    props |= {n: {"type": "string", "maxLength": m} for n, m in (TEXT_FIELDS | LONG_FIELDS).items()}
    props["started_at"] = {"type": "string", "format": "date-time"}
    props["ended_at"] = {"type": "string", "format": "date-time", "nullable": True}
    props["tags"] = {
        "type": "array",
        "maxItems": MAX_TAGS,
        "items": {"type": "string", "maxLength": MAX_TAG},
    }
    required = ["interaction_id", "channel", "direction", "address", "started_at"]
    return {"type": "object", "required": required, "properties": props}


ITEM_SCHEMA = _item_schema()
INTERACTIONS_BODY = {
    "oneOf": [
        ITEM_SCHEMA,
        {"type": "array", "minItems": 1, "maxItems": MAX_BATCH, "items": ITEM_SCHEMA},
    ]
}
NO_CONNECTOR_ENTRY = {**NO_CONNECTOR, "kind": INTERACTION_LOG}


class InteractionSerializer(serializers.ModelSerializer):
    sync = serializers.SerializerMethodField()

    class Meta:
        model = Interaction
        fields = [
            "id",
            "interaction_id",
            "channel",
            "direction",
            "address",
            "queue",
            "agent_email",
            "started_at",
            "ended_at",
            "subject",
            "body",
            "notes",
            "disposition",
            "tags",
            "source",
            "received_at",
            "decided_at",
            "sync",
        ]

    sync_serializer = SyncSerializer

    @extend_schema_field(SyncSerializer(many=True))
    def get_sync(self, ix) -> list:
        records = list(ix.sync_records.all())
        if not records and ix.decided_at:
            return [NO_CONNECTOR_ENTRY]
        return self.sync_serializer(records, many=True).data


class InteractionDetailSerializer(InteractionSerializer):
    """GET /interactions/{id}/: its sync entries with their delivery tries."""

    sync_serializer = SyncDetailSerializer

    @extend_schema_field(SyncDetailSerializer(many=True))
    def get_sync(self, ix) -> list:
        return super().get_sync(ix)


def with_sync(qs, attempts: bool = False):
    records = SyncRecord.objects.select_related("connector").order_by("id")
    if attempts:
        records = records.prefetch_related(
            Prefetch("delivery_attempts", DeliveryAttempt.objects.order_by("id"))
        )
    return qs.prefetch_related(Prefetch("sync_records", records))
