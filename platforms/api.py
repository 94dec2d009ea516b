"""REST API: contact-center accounts (`/api/v1/contact-center/`; secrets are write-only).

The routes are registered by contacts/api_urls.py, beside `contact-center/push/` (which must
come first: the router would read "push" as an account id). `settings` is validated per kind
(Platform.clean_settings); `POST /contact-center/{id}/test/` makes a real call to the
platform's API. Every change is written to the platform audit log (platforms/audit.py).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from connectors.errors import ConnectorError
from platforms import audit
from platforms.accounts import save_cc_account
from platforms.models import ContactCenterAccount
from platforms.registry import capability_labels, platform_class, platform_for
from portal.api import ApiError
from portal.urlpolicy import validate_outbound_url
from tenants.scoping import TenantScopedViewSet


def _policy_error(exc: DjangoValidationError, field: str):
    message = exc.messages[0]
    return ApiError(400, exc.code, f"{field}: {message}", fields={field: [message]})


def _refused_by_policy(exc: DjangoValidationError) -> bool:
    errors = getattr(exc, "error_dict", {}).values()
    return any(getattr(e, "code", None) == "address_not_allowed" for errs in errors for e in errs)


class ContactCenterAccountSerializer(serializers.ModelSerializer):
    access_token = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=500
    )
    call_api_key = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=500
    )
    access_token_set = serializers.BooleanField(read_only=True)
    settings = serializers.JSONField(required=False)
    url = serializers.URLField(max_length=300, required=False)
    capabilities = serializers.SerializerMethodField()

    class Meta:
        model = ContactCenterAccount
        fields = [
            "id",
            "kind",
            "name",
            "url",
            "enabled",
            "settings",
            "access_token",
            "call_api_key",
            "access_token_set",
            "capabilities",
            "last_push_at",
            "last_error",
        ]
        read_only_fields = ["last_push_at", "last_error"]

    def get_capabilities(self, obj) -> list[str]:
        return sorted(platform_class(obj.kind).capabilities)

    def validate_name(self, value):
        qs = ContactCenterAccount.objects.for_tenant(self.context["tenant"]).filter(name=value)
        if qs.exclude(pk=self.instance.pk if self.instance else None).exists():
            raise serializers.ValidationError("An account with this name already exists.")
        return value

    def validate_url(self, value):
        try:
            validate_outbound_url(value)
        except DjangoValidationError as exc:
            if exc.code == "address_not_allowed":  # outbound policy: its own code (API.md)
                raise _policy_error(exc, "url") from exc
            raise serializers.ValidationError(exc.messages) from exc
        return value

    def validate(self, attrs):
        if not self.instance and not attrs.get("access_token"):
            raise serializers.ValidationError({"access_token": ["This field is required."]})
        kind = attrs.get("kind") or (self.instance.kind if self.instance else "daktela")
        if self.instance and kind != self.instance.kind:
            raise serializers.ValidationError({"kind": ["The kind of an account cannot change."]})
        cls = platform_class(kind)
        if "settings" in attrs or not self.instance:
            try:
                given = attrs.get("settings") or {}
                if self.instance and isinstance(given, dict):  # PATCH: merged into the stored
                    given = {**(self.instance.settings or {}), **given}
                attrs["settings"] = cls.clean_settings(given)
            except DjangoValidationError as exc:
                if _refused_by_policy(exc):
                    field = next(iter(exc.message_dict))
                    raise ApiError(
                        400,
                        "address_not_allowed",
                        f"settings.{field}: {exc.message_dict[field][0]}",
                        fields={"settings": exc.message_dict},
                    ) from exc
                raise serializers.ValidationError({"settings": exc.message_dict}) from exc
        if not attrs.get("url") and not self.instance:
            default = (attrs.get("settings") or {}).get("data_api_url")
            if not default:
                raise serializers.ValidationError({"url": ["This field is required."]})
            attrs["url"] = default
        if attrs.get("call_api_key") and "call_api_key" not in cls.extra_secrets:
            raise serializers.ValidationError({"call_api_key": [f"Not used by {kind}."]})
        return attrs

    def save(self, **kwargs):
        token = self.validated_data.pop("access_token", "")
        secrets = {"call_api_key": self.validated_data.pop("call_api_key", "")}
        instance = self.instance or ContactCenterAccount(tenant=kwargs.pop("tenant"))
        creating = instance.pk is None
        values = {**self.validated_data, **kwargs}
        # Only the fields given are written, into the locked row (platforms/accounts.py).
        self.instance = save_cc_account(instance, values, token, secrets)
        changed = sorted(values) + (["access_token"] if token else [])
        changed += [k for k, v in secrets.items() if v]
        audit.record(
            self.instance,
            self.context["request"].user,
            "created" if creating else "updated",
            {"fields": changed},
        )
        return self.instance


TEST_OK = inline_serializer(
    "ContactCenterTestOk", {"ok": serializers.BooleanField(), "user": serializers.CharField()}
)


class ContactCenterAccountViewSet(TenantScopedViewSet):
    """Contact-center platforms (Daktela V6, UIS). Secrets are write-only."""

    queryset = ContactCenterAccount.objects.all()
    serializer_class = ContactCenterAccountSerializer

    def perform_destroy(self, instance):
        audit.record(instance, self.request.user, "deleted")
        instance.delete()

    @extend_schema(
        request=None,
        responses={200: TEST_OK, 400: OpenApiTypes.OBJECT},
        description="A real call to the platform's API with the stored credentials.",
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        account = self.get_object()
        try:
            user = platform_for(account).whoami()
        except ConnectorError as exc:
            audit.record(account, request.user, "test_failed", {"error": str(exc)[:500]})
            raise ApiError(400, "platform_error", f"{account.name}: {exc}") from exc
        audit.record(account, request.user, "tested", {"user": user[:200]})
        return Response({"ok": True, "user": user, "capabilities": capability_labels(account.kind)})
