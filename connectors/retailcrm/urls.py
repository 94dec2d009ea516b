"""API routes of the retailCRM package (included from connectors/api_urls.py under /api/v1/)."""

from django.urls import path

from connectors.retailcrm.views import MakeCallView

urlpatterns = [
    path(
        "retailcrm/<int:connector_id>/make-call/",
        MakeCallView.as_view(),
        name="retailcrm-make-call",
    ),
]
