from django.urls import include, path
from rest_framework.routers import SimpleRouter

from connectors.api import ConnectorViewSet

router = SimpleRouter()
router.register("connectors", ConnectorViewSet, basename="connector")

urlpatterns = router.urls
urlpatterns += [path("", include("connectors.retailcrm.urls"))]  # retailCRM click-to-call
