from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from connectors import breaker, registry, services
from connectors.capabilities import Capability
from connectors.models import ConnectorAccount
from connectors.registry import KIND_CHOICES
from portal.api import ApiError, api_error
from tenants.scoping import TenantScopedViewSet


@extend_schema_field(
    {
        "type": "object",
        # Written as {"<name>": "<secret>"}, read back as {"<name>_set": true|false}.
        "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "boolean"}]},
        "description": "Write-only secrets; reads show <name>_set flags.",
    }
)
class CredentialsField(serializers.Field):
    def to_representation(self, account):
        return account.secret_flags()

    def get_attribute(self, instance):
        return instance

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError("Expected an object of secret values.")
        return data


class DeliveryPauseSerializer(serializers.Serializer):
    """Deliveries to this CRM paused by the circuit breaker (issue 11, point 4)."""

    state = serializers.ChoiceField(
        choices=["paused", "probing"],
        help_text="paused: nothing is sent until paused_until; probing: one batch checks the CRM",
    )
    paused_until = serializers.DateTimeField()
    reason = serializers.CharField(help_text='e.g. "the CRM is rate-limiting (HTTP 429)"')


class ConnectorSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    settings = serializers.DictField(required=False, default=dict)
    credentials = CredentialsField(required=False)
    delivery_pause = serializers.SerializerMethodField()
    capabilities = serializers.SerializerMethodField(
        help_text="What this CRM kind can do; an action it cannot do answers 409 not_supported."
    )

    class Meta:
        model = ConnectorAccount
        fields = [
            "id",
            "kind",
            "name",
            "settings",
            "credentials",
            "status",
            "last_error",
            "authorized_at",
            "state",
            "delivery_pause",
            "capabilities",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "last_error",
            "authorized_at",
            "state",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(DeliveryPauseSerializer(allow_null=True))
    def get_delivery_pause(self, instance) -> dict | None:
        pause = breaker.describe(instance)
        return DeliveryPauseSerializer(pause).data if pause else None

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=[c.value for c in Capability]))
    )
    def get_capabilities(self, instance) -> list[str]:
        provider = registry.provider(instance.kind)
        return [c.value for c in Capability if provider.can(c)]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data.update(instance.secret_flags())
        return data

    def validate_name(self, value):
        qs = ConnectorAccount.objects.for_tenant(self.context["tenant"]).filter(name=value)
        if self.instance:
            qs = qs.exclude(pk=self.instance.pk)
        if qs.exists():
            raise serializers.ValidationError("A connector with this name already exists.")
        return value

    def validate(self, attrs):
        instance = self.instance
        if instance and "kind" in attrs and attrs["kind"] != instance.kind:
            raise serializers.ValidationError({"kind": "The kind of a connector cannot change."})
        kind = attrs.get("kind") or instance.kind
        form_class = registry.provider(kind).form_class
        given_settings = attrs.get("settings") or {}
        given_creds = attrs.get("credentials") or {}
        errors = {}
        for bucket, given, allowed in (
            (
                "settings",
                given_settings,
                set(form_class.base_fields) - set(form_class.secret_fields),
            ),
            ("credentials", given_creds, set(form_class.secret_fields)),
        ):
            unknown = sorted(set(given) - allowed)
            if unknown:
                errors[bucket] = {
                    k: [f"Unknown field for {kind}; allowed: {', '.join(sorted(allowed))}."]
                    for k in unknown
                }
        if errors:
            raise serializers.ValidationError(errors)
        data = {**(instance.settings if instance else {}), **given_settings, **given_creds}
        form = form_class(
            data=data, secrets_set=instance.secret_flags_by_name() if instance else {}
        )
        if not form.is_valid():
            errs, refused = {"settings": {}, "credentials": {}}, ""
            for field, errors in form.errors.as_data().items():
                bucket = "credentials" if field in form.secret_fields else "settings"
                errs[bucket][field] = [m for e in errors for m in e.messages]
                for e in errors:
                    if e.code == "address_not_allowed" and not refused:
                        refused = f"{bucket}.{field}: {e.messages[0]}"
            errs = {k: v for k, v in errs.items() if v}
            if refused:  # outbound policy: its own code (API.md), the field named
                raise ApiError(400, "address_not_allowed", refused, fields=errs)
            raise serializers.ValidationError(errs)
        attrs["settings"], attrs["credentials"] = form.split()
        attrs["kind"] = kind
        return attrs

    def _actor(self):
        return self.context["request"].user

    def create(self, validated):
        account = ConnectorAccount(tenant=validated["tenant"], kind=validated["kind"])
        return services.save_account(
            account,
            actor=self._actor(),
            name=validated["name"],
            settings=validated["settings"],
            credentials=validated["credentials"],
        )

    def update(self, instance, validated):
        return services.save_account(
            instance,
            actor=self._actor(),
            name=validated.get("name"),
            settings=validated["settings"],
            credentials=validated["credentials"],
        )


class ConnectorViewSet(TenantScopedViewSet):
    """CRM connector accounts of the API key's tenant. Credentials are write-only."""

    queryset = ConnectorAccount.objects.all()
    serializer_class = ConnectorSerializer

    def perform_destroy(self, instance):
        services.delete_account(instance, actor=self.request.user)

    def _failure(self, result: services.ActionResult):
        response = api_error(result.code or "crm_error", result.message)
        response.data["error"]["hint"] = result.hint
        return response

    @extend_schema(
        request=None,
        responses={
            200: ConnectorSerializer,
            400: OpenApiResponse(
                description='{"error": {"code": "authorization_failed"|"crm_error"|'
                '"connector_disabled"|"address_not_allowed", "message": "<the CRM\'s reason>", '
                '"hint"}}'
            ),
        },
        description="Run the Authorize step now: the CRM's token flow plus a real test call.",
    )
    @action(detail=True, methods=["post"])
    def authorize(self, request, pk=None):
        account = self.get_object()
        result = services.authorize_account(account, actor=request.user)
        if not result.ok:
            return self._failure(result)
        account.refresh_from_db()
        return Response(self.get_serializer(account).data)

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "ConnectorTestResult",
                {"ok": serializers.BooleanField(), "info": serializers.DictField()},
            ),
            400: OpenApiResponse(description="The CRM's reason, as for authorize/."),
        },
        description="Make the connector's test call with the stored token (refreshed if due).",
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        result = services.test_account(self.get_object())
        if not result.ok:
            return self._failure(result)
        return Response({"ok": True, "info": result.info})
