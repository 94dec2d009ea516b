from rest_framework.routers import SimpleRouter

from automations.api import CallbackProfileViewSet, CallbackRequestViewSet, TriggerViewSet

router = SimpleRouter()
router.register("triggers", TriggerViewSet, basename="trigger")
router.register("callback-profiles", CallbackProfileViewSet, basename="callback-profile")
router.register("callback-requests", CallbackRequestViewSet, basename="callback-request")
urlpatterns = router.urls
