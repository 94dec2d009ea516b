from django.contrib import admin

from tenants.models import ApiKey, Membership, Tenant


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "active", "default_region", "time_zone", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "tenant", "role"]
    list_filter = ["tenant", "role"]
    search_fields = ["user__email", "user__username", "tenant__name"]
    autocomplete_fields = ["user"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "tenant", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["tenant"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at", "created_by"]

    def has_add_permission(self, request):
        return False  # keys are issued in the portal or with `manage.py create_api_key`


# Only platform staff (superusers) use the Django admin.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser
