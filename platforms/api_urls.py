"""API routes of the platforms layer (included from portal/urls.py under /api/v1/):
retailCRM's module callbacks, which act on the tenant's contact-center platform."""

from django.urls import path

from platforms.retailcrm_make_call import MakeCallView
from platforms.retailcrm_user_status import UserStatusView

urlpatterns = [
    path(
        "retailcrm/<int:connector_id>/make-call/",
        MakeCallView.as_view(),
        name="retailcrm-make-call",
    ),
    path(
        "retailcrm/<int:connector_id>/user-status/",
        UserStatusView.as_view(),
        name="retailcrm-user-status",
    ),
]
