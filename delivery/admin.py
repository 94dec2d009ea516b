from django.contrib import admin

from delivery.models import DeliveryAttempt, SyncRecord
from tenants.scoping import TenantScopedAdmin


@admin.register(SyncRecord)
class SyncRecordAdmin(TenantScopedAdmin):
    list_display = ["key", "kind", "connector", "state", "attempts", "next_attempt_at"]
    list_filter = ["tenant", "kind", "state"]
    list_select_related = ["tenant", "connector"]
    search_fields = ["key", "crm_record_id"]


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(TenantScopedAdmin):
    list_display = ["record", "number", "outcome", "started_at", "finished_at", "crm_request_id"]
    list_filter = ["tenant", "outcome"]
    list_select_related = ["tenant", "record"]
    search_fields = ["record__key", "crm_request_id", "error"]
