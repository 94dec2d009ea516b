from django.urls import path

from tenants import views

urlpatterns = [
    path("", views.home, name="home"),
    path("switch-tenant/", views.switch_tenant, name="switch"),
    path("settings/", views.tenant_settings, name="settings"),
    path("api-keys/", views.api_keys, name="api_keys"),
    path("api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]
