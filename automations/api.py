from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from automations import callbacks, services
from automations.models import (
    DIRECTIONS,
    EARLY,
    FIRE_ON_HELP,
    STATUSES,
    CallbackProfile,
    CallbackRequest,
    Trigger,
    early_statuses_error,
)
from automations.rendering import CALL_PLACEHOLDERS, template_errors
from connectors.capabilities import Capability, require
from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount
from portal import dates
from portal.api import ApiError
from portal.phones import digits
from tenants.scoping import TenantRelatedField, TenantScopedReadOnlyViewSet, TenantScopedViewSet


def _choice_list(choices):
    return serializers.ListField(
        child=serializers.ChoiceField(choices=choices), required=False, default=list
    )


class TriggerSerializer(serializers.ModelSerializer):
    connector = TenantRelatedField(queryset=ConnectorAccount.objects.all())
    queues = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )
    statuses = _choice_list(STATUSES)
    directions = _choice_list(DIRECTIONS)

    class Meta:
        model = Trigger
        fields = [
            "id",
            "connector",
            "name",
            "active",
            "queues",
            "statuses",
            "directions",
            "action",
            "subject_template",
            "fire_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"fire_on": {"help_text": FIRE_ON_HELP}}

    def validate_connector(self, value):
        return require(value, Capability.TICKETS)  # a trigger opens tickets: else 409

    def validate(self, attrs):
        instance = self.instance
        fire_on = attrs.get("fire_on", instance.fire_on if instance else "ended")
        statuses = attrs.get("statuses", instance.statuses if instance else [])
        if fire_on in EARLY and statuses:
            raise serializers.ValidationError({"statuses": early_statuses_error(fire_on)})
        return attrs

    def validate_subject_template(self, value):
        if error := template_errors(value, CALL_PLACEHOLDERS):
            raise serializers.ValidationError(error)
        return value


class CallbackProfileSerializer(serializers.ModelSerializer):
    connector = TenantRelatedField(queryset=ConnectorAccount.objects.all())

    class Meta:
        model = CallbackProfile
        fields = [
            "id",
            "connector",
            "name",
            "callback_list",
            "crm_queue_id",
            "ownership",
            "subject",
            "duplicates",
            "sync_method",
            "age_unit",
            "age",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def validate_connector(self, value):
        return require(value, Capability.CALLBACKS)  # else 409 not_supported

    def validate_callback_list(self, value):
        qs = CallbackProfile.objects.for_tenant(self.context["tenant"]).filter(callback_list=value)
        if self.instance:
            qs = qs.exclude(pk=self.instance.pk)
        if qs.exists():
            raise serializers.ValidationError("Another profile already handles this callback list.")
        return value

    def validate(self, attrs):
        connector = attrs.get("connector") or self.instance.connector
        queue_id = attrs.get("crm_queue_id", self.instance.crm_queue_id if self.instance else "")
        ownership = attrs.get("ownership", self.instance.ownership if self.instance else "api_user")
        if ownership == CallbackProfile.Ownership.QUEUE_OWNER and not queue_id:
            raise serializers.ValidationError(
                {"crm_queue_id": "The 'owner of queue' rule needs a CRM queue."}
            )
        if queue_id and ("crm_queue_id" in attrs or "connector" in attrs):
            try:
                known = {q.crm_id for q in services.crm_queues(connector)}
            except ConnectorError as exc:
                raise serializers.ValidationError(
                    {
                        "crm_queue_id": f"Could not read the CRM's queues to check it: {exc}. Authorize the connector and retry."
                    }
                )
            if queue_id not in known:
                raise serializers.ValidationError(
                    {"crm_queue_id": f"The CRM has no queue {queue_id!r}."}
                )
        if attrs.get("sync_method") == "age_window" and attrs.get("age", 1) < 1:
            raise serializers.ValidationError({"age": "The age window needs an age of at least 1."})
        return attrs


class CallbackRequestSerializer(serializers.ModelSerializer):
    requested_at = dates.DateTimeField()  # 1970-2200: no overflow in any time zone

    class Meta:
        model = CallbackRequest
        fields = [
            "id",
            "request_id",
            "callback_list",
            "phone",
            "requested_at",
            "queue",
            "note",
            "profile",
            "state",
            "reason",
            "bundled_with",
            "crm_record_id",
            "crm_record_url",
            "received_at",
        ]
        read_only_fields = [
            "profile",
            "state",
            "reason",
            "bundled_with",
            "crm_record_id",
            "crm_record_url",
            "received_at",
        ]
        extra_kwargs = {
            "request_id": {"validators": []},
            "queue": {"required": False},
            "note": {"required": False},
        }

    def validate_phone(self, value):
        if len(digits(value)) < 3:
            raise serializers.ValidationError(
                "Give the phone number to call back, e.g. +420773794804."
            )
        return value


class TriggerViewSet(TenantScopedViewSet):
    """Triggers: a call matching queues/statuses/directions (empty = any) opens one ticket, at
    the end (`fire_on` ended) or during the call (ringing / answered, completed at the end)."""

    queryset = Trigger.objects.select_related("connector")
    serializer_class = TriggerSerializer


class CallbackProfileViewSet(TenantScopedViewSet):
    queryset = CallbackProfile.objects.select_related("connector")
    serializer_class = CallbackProfileSerializer


class CallbackRequestViewSet(TenantScopedReadOnlyViewSet):
    """Callback requests received from the contact center, with what became of each."""

    queryset = CallbackRequest.objects.all()
    serializer_class = CallbackRequestSerializer

    @extend_schema(
        request=None,
        responses={
            200: CallbackRequestSerializer,
            409: OpenApiResponse(
                description="Not open (closed, ignored or skipped); error format."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Mark the request done (called back): it no longer counts as open for duplicates."""
        callback = self.get_object()
        if not callback.is_open:
            raise ApiError(409, "not_open", f"The request is already {callback.state}.")
        callback.close()
        return Response(self.get_serializer(callback).data)

    @extend_schema(
        request=CallbackRequestSerializer(many=True),
        responses={
            202: inline_serializer(
                "CallbackAccepted",
                {"accepted": serializers.IntegerField(), "duplicates": serializers.IntegerField()},
            )
        },
        description="One request object or an array (up to 1000); idempotent by request_id.",
    )
    def create(self, request):
        items = request.data if isinstance(request.data, list) else [request.data]
        if not items or len(items) > 1000:
            raise ApiError(
                400, "validation_error", "Send one callback request or an array of 1 to 1000."
            )
        serializer = CallbackRequestSerializer(
            data=items, many=True, context=self.get_serializer_context()
        )
        if not serializer.is_valid():
            errors = serializer.errors  # {index: errors} (DRF >= 3.16) or a list
            errors = errors if isinstance(errors, dict) else dict(enumerate(errors))
            fields = {str(i): e for i, e in errors.items() if e}
            if not isinstance(request.data, list):
                fields = fields.get("0", fields)
                if not isinstance(fields, dict):  # e.g. a `null` body: errors of the item itself
                    fields = {"non_field_errors": fields}
            raise ApiError(
                400, "validation_error", "Invalid callback request; see error.fields.", fields
            )
        accepted, duplicates = callbacks.accept_callback_requests(
            self.tenant, serializer.validated_data
        )
        return Response(
            {"accepted": accepted, "duplicates": duplicates}, status=status.HTTP_202_ACCEPTED
        )
