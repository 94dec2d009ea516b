from django.contrib import admin

from jobs.models import Job
from tenants.scoping import TenantScopedAdmin


@admin.register(Job)
class JobAdmin(TenantScopedAdmin):
    list_display = ["kind", "connector", "status", "done", "total", "created_at", "finished_at"]
    list_filter = ["tenant", "kind", "status"]
    list_select_related = ["tenant", "connector"]
