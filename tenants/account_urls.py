"""Log-in account pages the portal changes (mounted at /accounts/ before django.contrib.auth.urls,
without a namespace: Django's reset mail and views reverse these names)."""

from django.urls import path

from tenants.members_views import accept as accept_invitation
from tenants.password_reset import ThrottledPasswordResetView, UnlockingPasswordResetConfirmView

urlpatterns = [
    # abuse: throttled, enqueues the mail (before django.contrib.auth.urls' own reset view)
    path("password_reset/", ThrottledPasswordResetView.as_view(), name="password_reset"),
    path(
        "reset/<uidb64>/<token>/",
        UnlockingPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    # the link of a members invitation (tenants/members.py): open to anyone holding the token
    path("invitation/<str:token>/", accept_invitation, name="invitation_accept"),
]
