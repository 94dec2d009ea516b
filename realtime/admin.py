from django.contrib import admin

from realtime.models import RoutingRule, ScreenPopRule, WidgetToken
from tenants.scoping import TenantScopedAdmin


@admin.register(RoutingRule)
class RoutingRuleAdmin(TenantScopedAdmin):
    list_display = ["position", "name", "kind", "target", "updated_at"]
    list_filter = ["tenant", "kind"]
    list_select_related = ["tenant"]
    search_fields = ["name"]


@admin.register(ScreenPopRule)
class ScreenPopRuleAdmin(TenantScopedAdmin):
    list_display = ["key", "updated_at"]
    list_select_related = ["tenant"]


@admin.register(WidgetToken)
class WidgetTokenAdmin(TenantScopedAdmin):
    list_display = ["name", "created_at", "expires_at", "revoked_at"]
    list_select_related = ["tenant"]
    search_fields = ["name"]
