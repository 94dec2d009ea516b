from django.urls import path

from calls import interaction_views, settings_views, views

urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("interactions/", interaction_views.index, name="interactions"),
    path("interactions/retry/", interaction_views.retry_filtered, name="interactions_retry"),
    path(
        "interactions/retry-jobs/<int:pk>/",
        interaction_views.retry_job,
        name="interaction_retry_job",
    ),
    path(
        "interactions/retry-jobs/<int:pk>/progress/",
        interaction_views.retry_job_progress,
        name="interaction_retry_job_progress",
    ),
    path("interactions/<int:pk>/", interaction_views.detail, name="interaction_detail"),
    path("interactions/<int:pk>/retry/", interaction_views.retry, name="interaction_retry"),
    path("retry/", views.retry_all, name="retry_all"),
    path("retry-jobs/<int:pk>/", views.retry_job, name="retry_job"),
    path("retry-jobs/<int:pk>/progress/", views.retry_job_progress, name="retry_job_progress"),
    path("settings/", settings_views.settings_index, name="settings"),
    path("settings/<int:pk>/", settings_views.connector_settings, name="connector_settings"),
    path("settings/secrets/", settings_views.secret_generate, name="secret_generate"),
    path("settings/secrets/<int:pk>/retire/", settings_views.secret_retire, name="secret_retire"),
]
