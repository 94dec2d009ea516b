"""REST API: contact-center accounts (`/api/v1/contact-center/`; the token is write-only).

The routes are registered by contacts/api_urls.py, beside `contact-center/push/` (which must
come first: the router would read "push" as an account id).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from platforms.accounts import save_cc_account
from platforms.models import ContactCenterAccount
from portal.api import ApiError
from portal.urlpolicy import validate_outbound_url
from tenants.scoping import TenantScopedViewSet


class ContactCenterAccountSerializer(serializers.ModelSerializer):
    access_token = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=500
    )
    access_token_set = serializers.BooleanField(read_only=True)

    class Meta:
        model = ContactCenterAccount
        fields = [
            "id",
            "kind",
            "name",
            "url",
            "enabled",
            "access_token",
            "access_token_set",
            "last_push_at",
            "last_error",
        ]
        read_only_fields = ["last_push_at", "last_error"]

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
                message = exc.messages[0]
                raise ApiError(400, exc.code, f"url: {message}", fields={"url": [message]}) from exc
            raise serializers.ValidationError(exc.messages) from exc
        return value

    def validate(self, attrs):
        if not self.instance and not attrs.get("access_token"):
            raise serializers.ValidationError({"access_token": ["This field is required."]})
        return attrs

    def save(self, **kwargs):
        token = self.validated_data.pop("access_token", "")
        instance = self.instance or ContactCenterAccount(tenant=kwargs.pop("tenant"))
        # Only the fields given are written, into the locked row (platforms/accounts.py).
        self.instance = save_cc_account(instance, {**self.validated_data, **kwargs}, token)
        return self.instance


class ContactCenterAccountViewSet(TenantScopedViewSet):
    """Contact-center platforms the contacts are pushed to (Daktela V6). Tokens are write-only."""

    queryset = ContactCenterAccount.objects.all()
    serializer_class = ContactCenterAccountSerializer
