from django.db.models import Max
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from portal.phones import normalize
from realtime import routing, screenpop, services
from realtime.models import MAX_POSITION, POSITION_FULL, RoutingKind, RoutingRule, ScreenPopRule
from tenants.scoping import TenantAPIView, TenantScopedViewSet

# --- routing rules ---------------------------------------------------------------------------

REQUIRED = {
    RoutingKind.OWNER: (),
    RoutingKind.FIELD_VALUE: ("field", "value", "target"),
    RoutingKind.BNUM: ("bnum", "target"),
}


def validate_routing_rule(data: dict, region: str) -> dict:
    """Per-kind checks shared by the API serializer and the page form: {field: message}."""
    errors = {}
    kind = data.get("kind")
    for name in REQUIRED.get(kind, ()):
        if not (data.get(name) or "").strip():
            errors[name] = f"Required for a {kind} rule."
    for name in ("target", "bnum"):
        raw = (data.get(name) or "").strip()
        if raw and not normalize(raw, region):
            errors.setdefault(name, f"{raw!r} is not a phone number (e.g. +420226211245).")
    return errors


def clean_routing_numbers(data: dict, region: str) -> dict:
    """Unused fields blanked, numbers stored in E.164 (what InitialTarget returns)."""
    kind = data.get("kind")
    keep = {"field", "value", "target"} if kind == RoutingKind.FIELD_VALUE else set()
    keep |= {"bnum", "target"} if kind == RoutingKind.BNUM else set()
    for name in ("field", "value", "bnum", "target"):
        if name in data:
            data[name] = (data[name] or "").strip() if name in keep else ""
    for name in ("target", "bnum"):
        if data.get(name):
            data[name] = normalize(data[name], region)
    return data


def next_position(tenant) -> int:
    """After the last rule; above MAX_POSITION when the last one is there (callers refuse it)."""
    top = RoutingRule.objects.for_tenant(tenant).aggregate(m=Max("position"))["m"]
    return (top or 0) + 1


class RoutingRuleSerializer(serializers.ModelSerializer):
    position = serializers.IntegerField(min_value=1, max_value=MAX_POSITION, required=False)

    class Meta:
        model = RoutingRule
        fields = ["id", "position", "name", "kind", "field", "value", "bnum", "target"]

    def validate(self, attrs):
        tenant = self.context["tenant"]
        merged = {
            name: attrs.get(name, getattr(self.instance, name, ""))
            for name in ("kind", "field", "value", "bnum", "target")
        }
        errors = validate_routing_rule(merged, tenant.default_region)
        if errors:
            raise serializers.ValidationError(errors)
        merged = clean_routing_numbers(merged, tenant.default_region)
        attrs.update({k: v for k, v in merged.items() if k != "kind"})
        if self.instance is None and "position" not in attrs:
            attrs["position"] = next_position(tenant)
            if attrs["position"] > MAX_POSITION:
                raise serializers.ValidationError({"position": [POSITION_FULL]})
        return attrs


class RoutingRuleViewSet(TenantScopedViewSet):
    """Inbound routing rules, evaluated by position ascending; the first match wins."""

    queryset = RoutingRule.objects.all()
    serializer_class = RoutingRuleSerializer


class RoutingRequestSerializer(serializers.Serializer):
    """The request body, for the schema; parse_routing_body() checks it on the hot path."""

    anum = serializers.CharField(max_length=64, allow_blank=True)
    bnum = serializers.CharField(max_length=64, allow_blank=True, required=False, default="")


def parse_routing_body(data) -> tuple[str, str]:
    """(anum, bnum) or a 400 in the usual error format.

    Plain checks instead of a DRF serializer: building one costs more CPU per request than the
    whole caller lookup, and this endpoint answers while the caller waits.
    """
    if not isinstance(data, dict):
        raise serializers.ValidationError(
            {"non_field_errors": ["Send a JSON object {anum, bnum}."]}
        )
    values = {}
    for name, required in (("anum", True), ("bnum", False)):
        value = data.get(name)
        if value is None and not required:
            value = ""
        if name not in data and required:
            error = "This field is required."
        elif not isinstance(value, str):
            error = "Must be a string."
        elif len(value) > 64:
            error = "Ensure this field has no more than 64 characters."
        elif "\x00" in value:
            error = "Null characters are not allowed."
        else:
            values[name] = value.strip()
            continue
        raise serializers.ValidationError({name: [error]})
    return values["anum"], values["bnum"]


class InitialTargetView(TenantAPIView):
    """Called by the telephony platform while the caller waits (seed 001)."""

    serializer_class = RoutingRequestSerializer

    @extend_schema(
        request=RoutingRequestSerializer,
        responses={
            200: inline_serializer("InitialTarget", {"InitialTarget": serializers.CharField()}),
            204: OpenApiResponse(description="No redirection: unknown caller, no rule, or loop."),
            400: OpenApiResponse(description="Bad body (error format)."),
        },
    )
    def post(self, request):
        anum, bnum = parse_routing_body(request.data)
        decision = routing.decide(self.tenant, anum, bnum)
        if decision.reason != "routed":
            return Response(status=204)
        return Response({"InitialTarget": decision.target})


# --- screen pop ------------------------------------------------------------------------------


class ScreenPopRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScreenPopRule
        fields = ["id", "key", "rule"]

    def validate_key(self, value):
        try:
            value = screenpop.check_key(value)
        except screenpop.RuleError as exc:
            raise serializers.ValidationError(str(exc))
        qs = ScreenPopRule.objects.for_tenant(self.context["tenant"]).filter(key=value)
        if self.instance:
            qs = qs.exclude(pk=self.instance.pk)
        if qs.exists():
            raise serializers.ValidationError(f"A rule with key {value!r} already exists.")
        return value

    def validate_rule(self, value):
        try:
            screenpop.parse(value)
        except screenpop.RuleError as exc:
            raise serializers.ValidationError(str(exc))
        return value.strip()


class ScreenPopRuleViewSet(TenantScopedViewSet):
    """Custom screen-pop URL rules `condition=>url`, tried by key in text order."""

    queryset = ScreenPopRule.objects.all()
    serializer_class = ScreenPopRuleSerializer


class ScreenPopQuerySerializer(serializers.Serializer):
    direction = serializers.ChoiceField(
        choices=["inbound", "outbound", "queue", "in", "out", "internal"], default="inbound"
    )
    phone = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)
    dnis = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    caller_name = serializers.CharField(
        max_length=services.MAX_CALLER_NAME, required=False, default="", allow_blank=True
    )


MATCH_FIELDS = {
    "crm_id": serializers.CharField(),
    "type": serializers.CharField(),
    "name": serializers.CharField(),
    "id": serializers.IntegerField(allow_null=True),
    "crm_url": serializers.CharField(),
    "connector": serializers.IntegerField(),
    "connector_name": serializers.CharField(),
    "crm_label": serializers.CharField(),
}


class ScreenPopView(TenantAPIView):
    """Which URL to pop for a call, from the tenant's rules and the caller lookup (local, then
    the live CRM search); each match carries its record type, connector and CRM label."""

    serializer_class = ScreenPopQuerySerializer

    @extend_schema(
        parameters=[ScreenPopQuerySerializer],
        responses=inline_serializer(
            "ScreenPop",
            {
                "url": serializers.CharField(allow_null=True),
                "rule": serializers.CharField(allow_null=True),
                "dnis": serializers.CharField(),
                "matches": inline_serializer("ScreenPopMatch", MATCH_FIELDS, many=True),
            },
        ),
    )
    def get(self, request):
        query = ScreenPopQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = services.screen_pop(self.tenant, **query.validated_data)
        return Response(result.as_json())
