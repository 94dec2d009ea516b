from django.urls import path

from operations.api import ErasureView

urlpatterns = [path("erasure/", ErasureView.as_view(), name="api-erasure")]
