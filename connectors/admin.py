from django.contrib import admin

from connectors.models import ConnectorAccount, ConnectorAuditEntry
from tenants.scoping import TenantScopedAdmin


@admin.register(ConnectorAccount)
class ConnectorAccountAdmin(TenantScopedAdmin):
    list_display = ["name", "kind", "status", "authorized_at", "updated_at"]
    list_filter = ["tenant", "kind", "status"]
    list_select_related = ["tenant"]
    search_fields = ["name"]


@admin.register(ConnectorAuditEntry)
class ConnectorAuditEntryAdmin(TenantScopedAdmin):
    list_display = ["connector_name", "action", "actor", "created_at"]
    list_filter = ["tenant", "action"]
    list_select_related = ["tenant"]
    search_fields = ["connector_name", "actor"]
