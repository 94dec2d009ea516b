from django.urls import path
from rest_framework.routers import SimpleRouter

from contacts import api, api_cc, api_mappings, api_matching
from platforms.api import ContactCenterAccountViewSet

router = SimpleRouter()
router.register("contacts", api.ContactViewSet, basename="contact")
router.register("field-mappings", api_mappings.FieldMappingViewSet, basename="field-mapping")
router.register("user-mappings", api_mappings.UserMappingViewSet, basename="user-mapping")
router.register("contact-center", ContactCenterAccountViewSet, basename="contact-center")

urlpatterns = [
    path(
        "connectors/<int:connector_id>/sync-contacts/",
        api.SyncContactsView.as_view(),
        name="connector-sync-contacts",
    ),
    path(
        "connectors/<int:connector_id>/match-users/",
        api_mappings.MatchUsersView.as_view(),
        name="connector-match-users",
    ),
    path(
        "connectors/<int:connector_id>/contact-sync-settings/",
        api.ContactSyncSettingsView.as_view(),
        name="connector-contact-sync-settings",
    ),
    path(
        "connectors/<int:connector_id>/matching/",
        api_matching.MatchingPolicyView.as_view(),
        name="connector-matching",
    ),
    path("lookup/", api_matching.LookupView.as_view(), name="lookup"),
    path("contact-center/push/", api_cc.ContactPushView.as_view(), name="contact-center-push"),
    *router.urls,
]
