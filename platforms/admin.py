from django.contrib import admin

from platforms.models import ContactCenterAccount
from tenants.scoping import TenantScopedAdmin


@admin.register(ContactCenterAccount)
class ContactCenterAccountAdmin(TenantScopedAdmin):
    list_display = ["name", "kind", "url", "enabled", "last_push_at"]
    list_select_related = ["tenant"]
    search_fields = ["name", "url"]
