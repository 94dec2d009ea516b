from django.contrib import admin

from contacts.models import (
    Contact,
    ContactDeletion,
    ContactPhone,
    ContactSyncSettings,
    FieldMapping,
    MatchingPolicy,
    UserMapping,
)
from tenants.scoping import TenantScopedAdmin


@admin.register(Contact)
class ContactAdmin(TenantScopedAdmin):
    list_display = ["first_name", "last_name", "type", "email", "connector", "crm_id", "synced_at"]
    list_select_related = ["tenant", "connector"]
    search_fields = ["first_name", "last_name", "email", "crm_id"]


@admin.register(ContactPhone)
class ContactPhoneAdmin(TenantScopedAdmin):
    list_display = ["e164", "raw", "valid", "contact"]
    list_select_related = ["tenant", "contact"]
    search_fields = ["e164", "raw"]


@admin.register(FieldMapping)
class FieldMappingAdmin(TenantScopedAdmin):
    list_display = ["connector", "crm_object", "crm_field", "cc_field", "missing_since"]
    list_select_related = ["tenant", "connector"]


@admin.register(UserMapping)
class UserMappingAdmin(TenantScopedAdmin):
    list_display = ["connector", "agent_id", "agent_email", "crm_user_id", "matched_by"]
    list_select_related = ["tenant", "connector"]
    search_fields = ["agent_id", "agent_email", "crm_email"]


@admin.register(ContactSyncSettings)
class ContactSyncSettingsAdmin(TenantScopedAdmin):
    list_display = ["connector", "enabled", "interval_minutes", "next_run_at"]
    list_select_related = ["tenant", "connector"]


@admin.register(ContactDeletion)
class ContactDeletionAdmin(TenantScopedAdmin):
    list_display = ["connector_id", "crm_id", "created_at"]
    list_select_related = ["tenant"]


@admin.register(MatchingPolicy)
class MatchingPolicyAdmin(TenantScopedAdmin):
    list_display = ["connector", "objects_order", "live_lookup", "unknown_caller", "region"]
    list_select_related = ["tenant", "connector"]
