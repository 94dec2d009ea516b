from django.urls import path

from contacts import views, views_cc, views_mappings, views_matching

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("sync/", views.sync_index, name="sync"),
    path("sync/<int:connector_id>/run/", views.sync_now, name="sync_now"),
    path("sync/<int:connector_id>/settings/", views.sync_settings, name="sync_settings"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("field-mappings/", views_mappings.field_mappings, name="field_mappings"),
    path("field-mappings/crm-fields/", views_mappings.crm_field_options, name="crm_field_options"),
    path(
        "field-mappings/<int:pk>/delete/",
        views_mappings.field_mapping_delete,
        name="field_mapping_delete",
    ),
    path("user-mappings/", views_mappings.user_mappings, name="user_mappings"),
    path("user-mappings/<int:pk>/", views_mappings.user_mapping_update, name="user_mapping_update"),
    path(
        "user-mappings/<int:pk>/delete/",
        views_mappings.user_mapping_delete,
        name="user_mapping_delete",
    ),
    path(
        "user-mappings/match/<int:connector_id>/",
        views_mappings.match_users_view,
        name="match_users",
    ),
    path(
        "user-mappings/import/<int:connector_id>/",
        views_mappings.import_agents,
        name="import_agents",
    ),
    path("matching/<int:connector_id>/", views_matching.matching, name="matching"),
    path("contact-center/", views_cc.cc_index, name="cc_index"),
    path("contact-center/push/", views_cc.cc_push, name="cc_push"),
    path("contact-center/<int:pk>/", views_cc.cc_edit, name="cc_edit"),
    path("contact-center/<int:pk>/delete/", views_cc.cc_delete, name="cc_delete"),
    path("contact-center/<int:pk>/test/", views_cc.cc_test, name="cc_test"),
    path("contact-center/<int:pk>/toggle/", views_cc.cc_toggle, name="cc_toggle"),
]
