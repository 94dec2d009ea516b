from django.urls import path

from connectors import actions, oauth, views

urlpatterns = [
    path("", views.index, name="index"),
    path("audit/", views.audit_all, name="audit_all"),
    path("add/<slug:kind>/", views.add, name="add"),
    path("<int:pk>/configure/", views.configure, name="configure"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/audit/", views.audit, name="audit"),
    path("<int:pk>/authorize/", actions.authorize, name="authorize"),
    path("<int:pk>/test/", actions.test, name="test"),
    path("<int:pk>/disconnect/", actions.disconnect, name="disconnect"),
    path("<int:pk>/enable/", actions.enable, name="enable"),
    path("<int:pk>/disable/", actions.disable, name="disable"),
    path("<int:pk>/oauth/start/", oauth.start, name="oauth_start"),
    path("oauth/callback/", oauth.callback, name="oauth_callback"),
]
