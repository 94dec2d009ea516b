from django.urls import path
from rest_framework.routers import SimpleRouter

from calls.api import CallEventsView, CallSyncSettingsView, CallViewSet, DaktelaEventsView
from calls.interaction_api import InteractionViewSet
from calls.uis import UisNotificationsView

router = SimpleRouter()
router.register("calls", CallViewSet, basename="call")
router.register("interactions", InteractionViewSet, basename="interaction")

urlpatterns = [
    path("call-events/", CallEventsView.as_view(), name="call-events"),
    path("call-events/daktela/", DaktelaEventsView.as_view(), name="call-events-daktela"),
    path(
        "contact-center/<int:pk>/uis/notifications/",
        UisNotificationsView.as_view(),
        name="contact-center-uis-notifications",
    ),
    path(
        "connectors/<int:pk>/call-sync-settings/",
        CallSyncSettingsView.as_view(),
        name="connector-call-sync-settings",
    ),
    *router.urls,
]
