from django.urls import path

from automations import views

urlpatterns = [
    path("", views.index, name="index"),
    path("triggers/new/", views.trigger_edit, name="trigger_new"),
    path("triggers/<int:pk>/", views.trigger_edit, name="trigger_edit"),
    path("callback-profiles/new/", views.profile_edit, name="profile_new"),
    path("callback-profiles/<int:pk>/", views.profile_edit, name="profile_edit"),
    path("<str:kind>/<int:pk>/delete/", views.delete, name="delete"),
    path("callback-requests/<int:pk>/close/", views.close_request, name="close_request"),
    path("dry-run/", views.dry_run, name="dry_run"),
]
