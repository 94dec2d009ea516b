"""REST API: caller matching (../shared/API.md "Caller matching"): the policy of one connector
(`/connectors/{id}/matching/`) and the lookup every consumer uses (`/lookup/?phone=`)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from contacts.api import ConnectorActionView
from contacts.lookup import lookup
from contacts.models import MatchingPolicy
from contacts.policies import normal_region, objects_problem, unknown_caller_problem
from portal.api import ApiError
from portal.phones import MAX_INPUT
from tenants.scoping import TenantAPIView


class MatchingPolicySerializer(serializers.ModelSerializer):
    objects = serializers.ListField(
        child=serializers.CharField(max_length=16),
        source="objects_order",
        allow_empty=False,
        max_length=10,
        help_text="Record types in order of preference; also the types imported and searched.",
    )
    region = serializers.CharField(
        max_length=2,
        allow_blank=True,
        required=False,
        help_text="ISO 3166 region of this CRM's national numbers (\"\" = the tenant's).",
    )

    class Meta:
        model = MatchingPolicy
        fields = [
            "objects",
            "live_lookup",
            "live_lookup_timeout_ms",
            "multiple_matches",
            "unknown_caller",
            "region",
            "negative_cache_seconds",
        ]

    def validate_objects(self, value):
        if problem := objects_problem(self.context["account"], value):
            raise serializers.ValidationError(problem)
        return value

    def validate_region(self, value):
        region = normal_region(value)
        if region is None:
            raise serializers.ValidationError(f"{value[:2]!r} is not a known region (e.g. GB).")
        return region

    def validate_unknown_caller(self, value):
        if problem := unknown_caller_problem(self.context["account"], value):
            raise serializers.ValidationError(problem)
        return value


class MatchingPolicyView(ConnectorActionView):
    """How callers are matched in one CRM (one policy per connector; defaults until saved)."""

    serializer_class = MatchingPolicySerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "account": self._account}

    def _policy(self) -> MatchingPolicy:
        self._account = self.account()
        return MatchingPolicy.for_connector(self._account)

    def get(self, request, connector_id):
        return Response(self.get_serializer(self._policy()).data)

    @extend_schema(request=MatchingPolicySerializer, responses=MatchingPolicySerializer)
    def put(self, request, connector_id):
        policy = self._policy()
        serializer = self.get_serializer(policy, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)


class MatchSerializer(serializers.Serializer):
    """contacts.lookup.Match.as_json() (documentation only)."""

    connector = serializers.IntegerField()
    type = serializers.ChoiceField(choices=["contact", "lead", "account"])
    crm_id = serializers.CharField()
    name = serializers.CharField()
    crm_url = serializers.CharField()
    source = serializers.ChoiceField(choices=["local", "live", "created"])


class LookupView(TenantAPIView):
    """Who has this number, in every CRM of the tenant: the local store first, then a live
    search in the CRMs whose policy allows it (within their timeouts)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("phone", str, required=True, description="Any format"),
            OpenApiParameter(
                "live", bool, description="false: the local store only (default true)"
            ),
        ],
        responses={200: inline_serializer("LookupResult", {"matches": MatchSerializer(many=True)})},
    )
    def get(self, request):
        phone = request.query_params.get("phone", "")
        if not phone.strip():
            raise ApiError(400, "validation_error", "phone is required.", {"phone": ["Required."]})
        if len(phone) > MAX_INPUT:
            raise ApiError(400, "validation_error", "phone is too long.", {"phone": ["Too long."]})
        local_only = request.query_params.get("live", "").lower() in ("false", "0", "no")
        matches = lookup(self.tenant, phone, live=not local_only)
        return Response({"matches": [m.as_json() for m in matches]})
