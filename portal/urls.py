from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal import metrics, views

admin.site.site_header = "Portal platform administration"

# Each app owns its API routes (<app>/api_urls.py) and its pages (<app>/urls.py).
# The root URLconf names apps only as strings: portal is the bottom layer (.importlinter).
# The hot endpoints' apps first (call events, routing): Django tries the patterns in order, and
# resolving the call events' path behind 30 others was 8% of a single event's CPU.
API_APPS = [
    "calls",
    "realtime",
    "tenants",
    "jobs",
    "connectors",
    "platforms",
    "contacts",
    "automations",
    "operations",
]

urlpatterns = [
    path("api/v1/", include([path("", include(f"{app}.api_urls")) for app in API_APPS])),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics.metrics_view, name="metrics"),  # operators (docs/operations.md)
    path("admin/", admin.site.urls),
    path("accounts/", include("tenants.account_urls")),  # the reset flow (throttled)
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("integrations/", include(("connectors.urls", "connectors"))),
    path("contacts/", include(("contacts.urls", "contacts"))),
    path("calls/", include(("calls.urls", "calls"))),
    path("automations/", include(("automations.urls", "automations"))),
    path("realtime/", include(("realtime.urls", "realtime"))),
    path("operations/", include(("operations.urls", "operations"))),  # alerts, retention, erasure
    path("widget/", include("realtime.widget_urls")),  # the activity widget, framed by the CC
    path("", include(("tenants.urls", "tenants"))),
]

handler404 = "portal.views.not_found"
handler500 = "portal.views.server_error"
