"""REST API of the contacts app (../shared/API.md: Contacts, Field mappings, User mappings,
sync-contacts, match-users) plus contact-sync settings and contact-center accounts."""

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount
from contacts import metadata
from contacts.matching import match_users
from contacts.models import (
    Contact,
    ContactCenterAccount,
    ContactSyncSettings,
    FieldMapping,
    MatchedBy,
    UserMapping,
)
from contacts.sync import start_contact_sync
from portal.api import ApiError
from tenants.scoping import (
    TenantAPIView,
    TenantRelatedField,
    TenantScopedReadOnlyViewSet,
    TenantScopedViewSet,
    get_for_tenant,
)

# --- contacts ----------------------------------------------------------------------------------


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = [
            "id",
            "connector",
            "crm_id",
            "first_name",
            "last_name",
            "email",
            "phones",
            "account",
            "owner_crm_id",
            "fields",
            "crm_url",
            "crm_modified_at",
            "synced_at",
        ]


@extend_schema(
    parameters=[
        OpenApiParameter(
            "phone", str, description="Any format; normalised with the tenant's region"
        ),
        OpenApiParameter("email", str, description="Exact, case-insensitive"),
        OpenApiParameter("connector", int),
        OpenApiParameter("q", str, description="Name, email or phone (the UI's search)"),
    ]
)
class ContactViewSet(TenantScopedReadOnlyViewSet):
    """Contacts imported from the CRMs (read-only: the CRM is the master)."""

    queryset = Contact.objects.all()
    serializer_class = ContactSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        params = self.request.query_params
        region = self.tenant.default_region
        if params.get("connector"):
            if not params["connector"].isdigit() or len(params["connector"]) > 18:
                raise ApiError(400, "validation_error", "connector must be an id.")
            qs = qs.filter(connector_id=int(params["connector"]))
        if params.get("email"):
            qs = qs.filter(email__iexact=params["email"].replace("\x00", "").strip()[:254])
        if params.get("q"):
            qs = qs.search(params["q"], region)
        if params.get("phone"):
            qs = qs.by_phone(params["phone"], region)
        return qs


# --- field mappings ------------------------------------------------------------------------------


def crm_error(exc: ConnectorError) -> ApiError:
    return ApiError(400, "crm_error", f"The CRM could not answer: {exc}")


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
        clash = FieldMapping.objects.filter(
            connector=account, crm_object=crm_object, cc_field=cc_field
        ).exclude(pk=inst.pk if inst else None)
        if clash.exists():
            raise serializers.ValidationError({"cc_field": [f"{cc_field!r} is already mapped."]})
        attrs["crm_object"] = crm_object
        attrs["missing_since"] = None
        return attrs


def request_full_sync(account) -> None:
    """Mapped values live on every contact: a changed mapping re-imports them all next run."""
    ContactSyncSettings.for_connector(account)
    ContactSyncSettings.objects.filter(connector=account).update(full_sync_requested=True)


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
        clash = UserMapping.objects.filter(connector=account, agent_id=agent_id)
        if clash.exclude(pk=inst.pk if inst else None).exists():
            raise serializers.ValidationError({"agent_id": [f"{agent_id!r} is already mapped."]})
        if "crm_user_id" in attrs and "matched_by" not in attrs:
            attrs["matched_by"] = MatchedBy.MANUAL if attrs["crm_user_id"] else MatchedBy.NONE
        return attrs


class UserMappingViewSet(TenantScopedViewSet):
    """Contact-center agents paired with CRM users."""

    queryset = UserMapping.objects.all()
    serializer_class = UserMappingSerializer


# --- actions on a connector ----------------------------------------------------------------------


class ConnectorActionView(TenantAPIView):
    queryset = ConnectorAccount.objects.all()

    def account(self) -> ConnectorAccount:
        return get_for_tenant(ConnectorAccount, self.tenant, pk=self.kwargs["connector_id"])


class SyncContactsView(ConnectorActionView):
    @extend_schema(
        request=inline_serializer(
            "SyncContactsRequest", {"full": serializers.BooleanField(required=False)}
        ),
        responses={
            202: inline_serializer(
                "SyncContactsStarted",
                {"job": serializers.IntegerField(), "created": serializers.BooleanField()},
            )
        },
        description="Start a contact import (one per connector at a time: a second request returns the running job).",
    )
    def post(self, request, connector_id):
        account = self.account()
        full = isinstance(request.data, dict) and request.data.get("full") is True
        job, created = start_contact_sync(account, full=full)
        return Response({"job": job.pk, "created": created}, status=status.HTTP_202_ACCEPTED)


class MatchUsersView(ConnectorActionView):
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


class ContactSyncSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactSyncSettings
        fields = [
            "enabled",
            "interval_minutes",
            "reconcile_hours",
            "high_water_mark",
            "full_sync_requested",
            "last_full_sync_at",
            "last_reconciled_at",
            "next_run_at",
        ]
        read_only_fields = [
            "high_water_mark",
            "last_full_sync_at",
            "last_reconciled_at",
            "next_run_at",
        ]


class ContactSyncSettingsView(ConnectorActionView):
    serializer_class = ContactSyncSettingsSerializer

    def get(self, request, connector_id):
        return Response(self.get_serializer(ContactSyncSettings.for_connector(self.account())).data)

    def put(self, request, connector_id):
        st = ContactSyncSettings.for_connector(self.account())
        serializer = self.get_serializer(st, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save(next_run_at=None)  # re-plan from the new interval at the next beat
        return Response(serializer.data)


# --- contact-center accounts --------------------------------------------------------------------


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

    def validate(self, attrs):
        if not self.instance and not attrs.get("access_token"):
            raise serializers.ValidationError({"access_token": ["This field is required."]})
        return attrs

    def save(self, **kwargs):
        token = self.validated_data.pop("access_token", "")
        with transaction.atomic():
            instance = self.instance or ContactCenterAccount(tenant=kwargs.pop("tenant"))
            for key, value in {**self.validated_data, **kwargs}.items():
                setattr(instance, key, value)
            if token:
                instance.credentials = {**(instance.credentials or {}), "access_token": token}
            instance.save()
        self.instance = instance
        return instance


class ContactCenterAccountViewSet(TenantScopedViewSet):
    """Contact-center platforms the contacts are pushed to (Daktela V6). Tokens are write-only."""

    queryset = ContactCenterAccount.objects.all()
    serializer_class = ContactCenterAccountSerializer


class ContactPushView(TenantAPIView):
    queryset = ContactCenterAccount.objects.all()

    @extend_schema(
        request=None,
        responses={
            202: inline_serializer(
                "ContactPushStarted",
                {"job": serializers.IntegerField(), "created": serializers.BooleanField()},
            ),
            400: OpenApiTypes.OBJECT,
        },
        description="Push pending contacts to the tenant's enabled contact-center accounts now.",
    )
    def post(self, request):
        from contacts.push import start_push

        job, created = start_push(self.tenant.pk)
        if job is None:
            raise ApiError(400, "no_contact_center", "No enabled contact-center account.")
        return Response({"job": job.pk, "created": created}, status=status.HTTP_202_ACCEPTED)
