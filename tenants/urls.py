from django.urls import path

from tenants import members_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("switch-tenant/", views.switch_tenant, name="switch"),
    path("settings/", views.tenant_settings, name="settings"),
    path("api-keys/", views.api_keys, name="api_keys"),
    path("api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("members/", members_views.index, name="members"),
    path("members/invite/", members_views.invite, name="member_invite"),
    path("members/<int:pk>/role/", members_views.change_role, name="member_role"),
    path("members/<int:pk>/remove/", members_views.remove, name="member_remove"),
    path(
        "members/invitations/<int:pk>/revoke/",
        members_views.revoke_invitation,
        name="invitation_revoke",
    ),
]
