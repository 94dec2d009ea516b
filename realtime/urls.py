from django.urls import path

from realtime import views

urlpatterns = [
    path("", views.index, name="index"),
    path("routing/add/", views.routing_rule_add, name="routing_rule_add"),
    path("routing/test/", views.routing_test, name="routing_test"),
    path("routing/<int:pk>/", views.routing_rule_edit, name="routing_rule_edit"),
    path("routing/<int:pk>/delete/", views.routing_rule_delete, name="routing_rule_delete"),
    path("routing/<int:pk>/move/", views.routing_rule_move, name="routing_rule_move"),
    path("screen-pop/", views.screen_pop, name="screen_pop"),
    path("screen-pop/add/", views.screen_pop_rule_add, name="screen_pop_rule_add"),
    path("screen-pop/<int:pk>/", views.screen_pop_rule_edit, name="screen_pop_rule_edit"),
    path(
        "screen-pop/<int:pk>/delete/", views.screen_pop_rule_delete, name="screen_pop_rule_delete"
    ),
    path("widget/", views.widget, name="widget"),
    path("widget/add/", views.widget_token_add, name="widget_token_add"),
    path("widget/<int:pk>/revoke/", views.widget_token_revoke, name="widget_token_revoke"),
]
