from django.contrib import admin

from automations.models import CallbackProfile, CallbackRequest, Trigger
from tenants.scoping import TenantScopedAdmin


@admin.register(Trigger)
class TriggerAdmin(TenantScopedAdmin):
    list_display = ["name", "connector", "action", "active", "updated_at"]
    list_filter = ["tenant", "active"]
    list_select_related = ["tenant", "connector"]
    search_fields = ["name"]


@admin.register(CallbackProfile)
class CallbackProfileAdmin(TenantScopedAdmin):
    list_display = ["name", "connector", "callback_list", "created_at"]
    list_select_related = ["tenant", "connector"]
    search_fields = ["name", "callback_list"]


@admin.register(CallbackRequest)
class CallbackRequestAdmin(TenantScopedAdmin):
    list_display = ["request_id", "callback_list", "phone_e164", "state", "requested_at"]
    list_filter = ["tenant", "state"]
    list_select_related = ["tenant"]
    search_fields = ["request_id", "phone_e164"]
