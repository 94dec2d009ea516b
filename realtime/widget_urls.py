"""Mounted at the site root as /widget/ (portal/urls.py): the contact center frames these."""

from django.urls import path

from realtime.widget_views import activity_widget

urlpatterns = [path("activity/", activity_widget, name="activity-widget")]
