from django.contrib import admin

from platforms.models import AgentStatus, ContactCenterAccount, PlatformAuditEntry
from tenants.scoping import TenantScopedAdmin


@admin.register(ContactCenterAccount)
class ContactCenterAccountAdmin(TenantScopedAdmin):
    list_display = ["name", "kind", "url", "enabled", "last_push_at"]
    list_select_related = ["tenant"]
    search_fields = ["name", "url"]


@admin.register(PlatformAuditEntry)
class PlatformAuditEntryAdmin(TenantScopedAdmin):
    list_display = ["created_at", "account_name", "actor", "action"]
    list_select_related = ["tenant"]
    search_fields = ["account_name", "actor", "action"]


@admin.register(AgentStatus)
class AgentStatusAdmin(TenantScopedAdmin):
    list_display = ["agent_id", "status", "since", "source"]
    list_select_related = ["tenant"]
    search_fields = ["agent_id"]
