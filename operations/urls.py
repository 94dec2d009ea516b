from django.urls import path

from operations import views

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/test/", views.notifications_test, name="notifications_test"),
    path("retention/", views.retention, name="retention"),
    path("erasure/", views.erase, name="erase"),
    path("erasure/call/<int:pk>/", views.erase_call, name="erase_call"),
    path("erasure/contact/<int:pk>/", views.erase_contact, name="erase_contact"),
]
