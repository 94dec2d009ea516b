"""REST API: contacts (../shared/API.md), sync-contacts and contact-sync settings.
Field and user mappings are in api_mappings.py, the push in api_cc.py, contact-center
accounts in platforms/api.py."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from connectors.capabilities import Capability, require
from connectors.errors import ConnectorError
from connectors.models import ConnectorAccount
from contacts.filters import CONTACTS_KEYSET, ContactFilter, keyset_for
from contacts.models import (
    Contact,
    ContactSyncSettings,
)
from contacts.sync import start_contact_sync
from portal.api import ApiError
from portal.paging import KeysetPagination
from tenants.scoping import (
    TenantAPIView,
    TenantScopedReadOnlyViewSet,
    get_for_tenant,
)

# --- contacts ----------------------------------------------------------------------------------


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = [
            "id",
            "connector",
            "type",
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
        OpenApiParameter(
            "type", str, enum=["contact", "lead", "account"], description="The CRM record type"
        ),
        OpenApiParameter("q", str, description="Name, email or phone (the UI's search)"),
    ]
)
class ContactViewSet(TenantScopedReadOnlyViewSet):
    """Contacts imported from the CRMs (read-only: the CRM is the master)."""

    queryset = Contact.objects.all()
    serializer_class = ContactSerializer
    pagination_class = KeysetPagination
    keyset = CONTACTS_KEYSET  # by name; a cursor per page (portal/paging.py)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.keyset = keyset_for(request.query_params)  # a search: the same order, unindexed

    def get_queryset(self):
        filters = ContactFilter(
            self.request.query_params, queryset=super().get_queryset(), tenant=self.tenant
        )
        for name in ("connector", "type"):
            if name in filters.problems:
                raise ApiError(
                    400,
                    "validation_error",
                    filters.problems[name][0],
                    {name: filters.problems[name]},
                )
        return filters.qs


def crm_error(exc: ConnectorError) -> ApiError:
    return ApiError(400, "crm_error", f"The CRM could not answer: {exc}")


# --- actions on a connector ----------------------------------------------------------------------


class ConnectorActionView(TenantAPIView):
    queryset = ConnectorAccount.objects.all()
    capability: Capability = Capability.CONTACTS  # what the CRM must be able to do (else 409)

    def account(self) -> ConnectorAccount:
        account = get_for_tenant(ConnectorAccount, self.tenant, pk=self.kwargs["connector_id"])
        return require(account, self.capability)


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


class ContactSyncSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactSyncSettings
        fields = [
            "enabled",
            "interval_minutes",
            "reconcile_hours",
            "high_water_mark",
            "high_water_marks",
            "full_sync_requested",
            "last_full_sync_at",
            "last_reconciled_at",
            "next_run_at",
        ]
        read_only_fields = [
            "high_water_mark",
            "high_water_marks",
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
