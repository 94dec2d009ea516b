from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal import views
from tenants.password_reset import ThrottledPasswordResetView, UnlockingPasswordResetConfirmView

admin.site.site_header = "Portal platform administration"

# Each app owns its API routes (<app>/api_urls.py) and its pages (<app>/urls.py).
API_APPS = ["tenants", "jobs", "connectors", "contacts", "calls", "automations", "realtime"]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # abuse: throttled, enqueues the mail (before django.contrib.auth.urls' own reset view)
    path(
        "accounts/password_reset/",
        ThrottledPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        UnlockingPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include([path("", include(f"{app}.api_urls")) for app in API_APPS])),
    path("integrations/", include(("connectors.urls", "connectors"))),
    path("contacts/", include(("contacts.urls", "contacts"))),
    path("calls/", include(("calls.urls", "calls"))),
    path("automations/", include(("automations.urls", "automations"))),
    path("realtime/", include(("realtime.urls", "realtime"))),
    path("widget/", include("realtime.widget_urls")),  # the activity widget, framed by the CC
    path("", include(("tenants.urls", "tenants"))),
]

handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
