"""Interactions in (email, chat, SMS) and out (audit): `/api/v1/interactions/` (API.md)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from calls import signing
from calls.interaction_filters import FILTERS, InteractionFilter
from calls.interaction_retry import retry_interaction
from calls.interaction_serializers import (
    INTERACTIONS_BODY,
    InteractionDetailSerializer,
    InteractionSerializer,
    with_sync,
)
from calls.interaction_validation import validate_interactions
from calls.interactions import store_interactions
from calls.models import Interaction
from portal.api import ApiError
from portal.parsers import json_body
from tenants.scoping import TenantScopedReadOnlyViewSet

ACCEPTED = inline_serializer(
    "InteractionsAccepted",
    {"accepted": serializers.IntegerField(), "duplicates": serializers.IntegerField()},
)


class InteractionViewSet(TenantScopedReadOnlyViewSet):
    """Emails, chats and SMS: POST to log them, GET to audit them with their CRM sync state."""

    queryset = Interaction.objects.all()
    serializer_class = InteractionSerializer

    def get_serializer_class(self):
        if self.action == "retrieve":
            return InteractionDetailSerializer
        return InteractionSerializer

    def get_queryset(self):
        if self.action != "list":
            return with_sync(super().get_queryset(), attempts=self.action == "retrieve")
        filters = InteractionFilter(self.request.query_params, tenant=self.tenant)
        if filters.problems:
            raise ValidationError(filters.problems)
        return with_sync(filters.qs).order_by("-started_at", "-id")

    @extend_schema(parameters=[OpenApiParameter(n, str) for n in FILTERS])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={"application/json": INTERACTIONS_BODY},
        responses={202: ACCEPTED},
        description="One interaction or an array of up to 1000; idempotent by interaction_id "
        "(a resend with changed content updates the same CRM record). 202 once stored.",
    )
    def create(self, request, *args, **kwargs):
        try:
            signing.check_request(self.tenant, request)
        except signing.SignatureError as exc:
            raise ApiError(401, "invalid_signature", str(exc))
        items = validate_interactions(json_body(request), self.tenant.default_region)
        accepted, duplicates = store_interactions(self.tenant, items)
        return Response({"accepted": accepted, "duplicates": duplicates}, status=202)

    @extend_schema(
        request=None,
        responses={
            202: inline_serializer("InteractionRetry", {"requeued": serializers.IntegerField()})
        },
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        ix = self.get_object()
        return Response({"requeued": retry_interaction(ix)}, status=202)
