from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jobs.models import Job
from tenants.scoping import TenantScopedReadOnlyViewSet


class JobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "connector",
            "started_at",
            "finished_at",
            "error",
            "result",
            "created_at",
        ]

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "done": {"type": "integer"},
                "total": {"type": "integer", "nullable": True},
            },
        }
    )
    def get_progress(self, job) -> dict:
        return {"done": job.done, "total": job.total}


class JobViewSet(TenantScopedReadOnlyViewSet):
    """Background jobs (contact imports...) with their progress."""

    queryset = Job.objects.all()
    serializer_class = JobSerializer
