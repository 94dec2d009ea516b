from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from tenants.models import Tenant
from tenants.scoping import TenantAPIView


class TenantSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        fields = ["default_region", "time_zone", "dnis_regex", "frame_ancestors"]
        extra_kwargs = {"default_region": {"required": True}, "time_zone": {"required": True}}

    def to_internal_value(self, data):
        # "cz" means CZ: normalise before the model's region validator runs.
        if isinstance(data, dict) and isinstance(data.get("default_region"), str):
            data = {**data, "default_region": data["default_region"].strip().upper()}
        return super().to_internal_value(data)


class TenantSettingsView(TenantAPIView):
    """The tenant's phone region, time zone, DNIS regex and allowed frame ancestors."""

    serializer_class = TenantSettingsSerializer

    @extend_schema(responses=TenantSettingsSerializer)
    def get(self, request):
        return Response(self.get_serializer(self.tenant).data)

    @extend_schema(request=TenantSettingsSerializer, responses=TenantSettingsSerializer)
    def put(self, request):
        serializer = self.get_serializer(self.tenant, data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)
