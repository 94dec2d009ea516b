"""Mounted at the site root as /widget/ (portal/urls.py): the contact center frames these."""

from django.urls import path

from realtime.widget_views import activity_widget, activity_widget_call, activity_widget_create

urlpatterns = [
    path("activity/", activity_widget, name="activity-widget"),
    path("activity/create/", activity_widget_create, name="activity-widget-create"),
    path("activity/call/", activity_widget_call, name="activity-widget-call"),
]
