"""REST API: push the imported contacts to the contact centers now.

The contact-center accounts themselves are in platforms/api.py.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from contacts.push import start_push
from platforms.models import ContactCenterAccount
from portal.api import ApiError
from tenants.scoping import TenantAPIView


class ContactPushView(TenantAPIView):
    queryset = ContactCenterAccount.objects.all()

    @extend_schema(
        request=None,
        responses={
            202: inline_serializer(
                "ContactPushStarted",
                {"job": serializers.IntegerField(), "created": serializers.BooleanField()},
            ),
            400: OpenApiTypes.OBJECT,
        },
        description="Push pending contacts to the tenant's enabled contact-center accounts now.",
    )
    def post(self, request):
        job, created = start_push(self.tenant.pk)
        if job is None:
            raise ApiError(400, "no_contact_center", "No enabled contact-center account.")
        return Response({"job": job.pk, "created": created}, status=status.HTTP_202_ACCEPTED)
