"""POST /api/v1/erasure/ (API.md "Erasure"): one person's local data, by phone or e-mail."""

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from operations import erasure
from portal.api import api_error
from tenants.scoping import TenantAPIView


class ErasureRequestSerializer(serializers.Serializer):
    phone = serializers.CharField(required=False, allow_blank=True, max_length=64)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)


ErasureCounts = inline_serializer(
    "ErasureCounts",
    {
        name: serializers.IntegerField()
        for name in ("contacts", "calls", "interactions", "events", "callback_requests", "other")
    },
)


class ErasureView(TenantAPIView):
    """Remove or anonymise the person's data held by the portal for this tenant (never in the
    CRMs); recorded in the audit log with the counts, never the number."""

    serializer_class = ErasureRequestSerializer

    @extend_schema(
        request=ErasureRequestSerializer,
        responses=ErasureCounts,
        examples=[OpenApiExample("By phone", value={"phone": "+420773794804"}, request_only=True)],
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        phone = (serializer.validated_data.get("phone") or "").strip()
        email = (serializer.validated_data.get("email") or "").strip()
        if not phone and not email:
            return api_error("validation_error", "Give a phone or an email.")
        key = getattr(request.auth, "name", "") or "API key"
        counts = erasure.erase(self.tenant, phone=phone, email=email, actor=f"API key {key}")
        return Response(counts)
