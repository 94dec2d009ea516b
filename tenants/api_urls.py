from django.urls import path

from tenants.api import TenantSettingsView

urlpatterns = [path("settings/", TenantSettingsView.as_view(), name="api-settings")]
