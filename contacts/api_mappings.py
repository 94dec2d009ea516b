"""REST API: field mappings (validated against the CRM's live metadata), user mappings and
match-users (../shared/API.md)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from connectors.capabilities import Capability
from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount
from contacts import metadata
from contacts.api import ConnectorActionView, crm_error
from contacts.matching import match_users
from contacts.models import FieldMapping, MatchedBy, UserMapping
from contacts.sync import request_full_sync
from tenants.scoping import TenantRelatedField, TenantScopedViewSet

# --- field mappings ------------------------------------------------------------------------------


class FieldMappingSerializer(serializers.ModelSerializer):
    connector = TenantRelatedField(queryset=ConnectorAccount.objects.all())
    crm_object = serializers.CharField(max_length=64, required=False)
    cc_field = serializers.RegexField(
        r"^[A-Za-z0-9_.\-]{1,128}$",
        max_length=128,
        error_messages={"invalid": "Use letters, digits, _ . - only."},
    )

    class Meta:
        model = FieldMapping
        fields = ["id", "connector", "crm_object", "crm_field", "cc_field", "missing_since"]
        read_only_fields = ["missing_since"]
        validators = []  # uniqueness is checked in validate() with a clear message

    def validate(self, attrs):
        inst = self.instance
        account = attrs.get("connector") or inst.connector
        crm_object = attrs.get("crm_object") or (
            inst.crm_object if inst else metadata.contact_object(account)
        )
        crm_field = attrs.get("crm_field") or inst.crm_field
        cc_field = attrs.get("cc_field") or inst.cc_field
        try:
            names = {f.name for f in metadata.crm_fields(account, crm_object)}
        except ConnectorError as exc:
            raise crm_error(exc)
        if crm_field not in names:
            raise serializers.ValidationError(
                {"crm_field": [f"{crm_field!r} is not a field of {crm_object} in {account.name}."]}
            )
        clash = (
            FieldMapping.objects.for_tenant(account.tenant_id)
            .filter(connector=account, crm_object=crm_object, cc_field=cc_field)
            .exclude(pk=inst.pk if inst else None)
        )
        if clash.exists():
            raise serializers.ValidationError({"cc_field": [f"{cc_field!r} is already mapped."]})
        attrs["crm_object"] = crm_object
        attrs["missing_since"] = None
        return attrs


class FieldMappingViewSet(TenantScopedViewSet):
    """CRM field -> contact-center field pairs; the CRM field must exist in live metadata."""

    queryset = FieldMapping.objects.select_related("connector")
    serializer_class = FieldMappingSerializer

    def perform_create(self, serializer):
        super().perform_create(serializer)
        request_full_sync(serializer.instance.connector)

    def perform_update(self, serializer):
        super().perform_update(serializer)
        request_full_sync(serializer.instance.connector)

    def perform_destroy(self, instance):
        request_full_sync(instance.connector)
        instance.delete()


# --- user mappings -------------------------------------------------------------------------------


class UserMappingSerializer(serializers.ModelSerializer):
    connector = TenantRelatedField(queryset=ConnectorAccount.objects.all())
    matched_by = serializers.ChoiceField(choices=MatchedBy.choices, required=False)

    class Meta:
        model = UserMapping
        fields = [
            "id",
            "connector",
            "agent_id",
            "agent_email",
            "agent_phone",
            "crm_email",
            "crm_user_id",
            "matched_by",
        ]
        validators = []  # uniqueness is checked in validate() with a clear message

    def validate(self, attrs):
        inst = self.instance
        account = attrs.get("connector") or inst.connector
        agent_id = attrs.get("agent_id") or inst.agent_id
        clash = UserMapping.objects.for_tenant(account.tenant_id).filter(
            connector=account, agent_id=agent_id
        )
        if clash.exclude(pk=inst.pk if inst else None).exists():
            raise serializers.ValidationError({"agent_id": [f"{agent_id!r} is already mapped."]})
        if "crm_user_id" in attrs and "matched_by" not in attrs:
            attrs["matched_by"] = MatchedBy.MANUAL if attrs["crm_user_id"] else MatchedBy.NONE
        return attrs


class UserMappingViewSet(TenantScopedViewSet):
    """Contact-center agents paired with CRM users."""

    queryset = UserMapping.objects.all()
    serializer_class = UserMappingSerializer


class MatchUsersView(ConnectorActionView):
    capability = Capability.USERS

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "MatchUsersResult",
                {
                    "matched": serializers.IntegerField(),
                    "unmatched": serializers.ListField(child=serializers.CharField()),
                },
            )
        },
        description="Fill crm_user_id from the CRM users' emails (case-insensitive, override email first).",
    )
    def post(self, request, connector_id):
        account = self.account()
        try:
            matched, unmatched = match_users(account)
        except ConnectorError as exc:
            raise crm_error(exc)
        return Response({"matched": matched, "unmatched": unmatched})
