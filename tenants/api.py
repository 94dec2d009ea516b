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

    def validate_default_region(self, value):
        return value.upper()


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
