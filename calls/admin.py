from django.contrib import admin

from calls.models import (
    Call,
    CallActivity,
    CallDay,
    CallEvent,
    CallSyncSettings,
    CreatedCaller,
    Interaction,
    WebhookSecret,
)
from tenants.scoping import TenantScopedAdmin


@admin.register(Call)
class CallAdmin(TenantScopedAdmin):
    list_display = ["call_id", "direction", "phone_e164", "status", "started_at", "ended"]
    list_filter = ["tenant", "direction", "ended"]
    list_select_related = ["tenant"]
    search_fields = ["call_id", "phone_e164"]


@admin.register(CallEvent)
class CallEventAdmin(TenantScopedAdmin):
    list_display = ["call_id", "event_id", "type", "source", "occurred_at", "folded"]
    list_filter = ["tenant", "type", "source"]
    list_select_related = ["tenant"]
    search_fields = ["call_id", "event_id"]


@admin.register(CallActivity)
class CallActivityAdmin(TenantScopedAdmin):
    list_display = ["call", "activity_id", "agent_id", "started_at", "ended_at"]
    list_select_related = ["tenant", "call"]
    search_fields = ["activity_id", "call__call_id"]


@admin.register(CallSyncSettings)
class CallSyncSettingsAdmin(TenantScopedAdmin):
    list_display = ["connector", "enabled", "min_duration_seconds", "updated_at"]
    list_select_related = ["tenant", "connector"]


@admin.register(WebhookSecret)
class WebhookSecretAdmin(TenantScopedAdmin):
    list_display = ["label", "prefix", "created_at", "retired_at"]
    list_select_related = ["tenant"]


@admin.register(CreatedCaller)
class CreatedCallerAdmin(TenantScopedAdmin):
    list_display = ["e164", "connector", "type", "crm_id", "claimed_at", "created_at"]
    list_select_related = ["tenant", "connector"]
    search_fields = ["e164", "crm_id"]


@admin.register(Interaction)
class InteractionAdmin(TenantScopedAdmin):
    list_display = ["interaction_id", "channel", "direction", "address", "started_at"]
    list_filter = ["tenant", "channel", "direction"]
    list_select_related = ["tenant"]
    search_fields = ["interaction_id", "address"]


@admin.register(CallDay)
class CallDayAdmin(TenantScopedAdmin):
    list_display = ["day", "connector", "synced", "skipped", "failed", "open"]
    list_filter = ["tenant"]
    list_select_related = ["tenant", "connector"]
