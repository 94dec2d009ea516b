from django.contrib import admin

from operations.models import AlertState, Notification, NotificationSettings, RetentionSettings
from tenants.scoping import TenantScopedAdmin


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(TenantScopedAdmin):
    list_display = ["email_enabled", "webhook_url", "backlog_minutes", "updated_at"]


@admin.register(AlertState)
class AlertStateAdmin(TenantScopedAdmin):
    list_display = ["connector", "condition", "active", "opened_at", "cleared_at"]
    list_filter = ["tenant", "condition", "active"]


@admin.register(Notification)
class NotificationAdmin(TenantScopedAdmin):
    list_display = ["subject", "event", "email_state", "webhook_state", "attempts", "created_at"]
    list_filter = ["tenant", "event"]


@admin.register(RetentionSettings)
class RetentionSettingsAdmin(TenantScopedAdmin):
    list_display = ["call_events_days", "calls_days", "audit_days", "jobs_days", "last_run_at"]
