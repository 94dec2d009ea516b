from django.urls import path
from rest_framework.routers import SimpleRouter

from realtime.api import InitialTargetView, RoutingRuleViewSet, ScreenPopRuleViewSet, ScreenPopView

router = SimpleRouter()
router.register("routing-rules", RoutingRuleViewSet, basename="routing-rule")
router.register("screen-pop-rules", ScreenPopRuleViewSet, basename="screen-pop-rule")

urlpatterns = [
    path("routing/initial-target/", InitialTargetView.as_view(), name="routing-initial-target"),
    path("screen-pop/", ScreenPopView.as_view(), name="screen-pop"),
    *router.urls,
]
