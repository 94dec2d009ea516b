from jobs.models import Job
from tests.factories import make_connector

CASES = {
    "job-detail": lambda t: {
        "pk": Job.objects.create(tenant=t, kind="contact_sync", connector=make_connector(t)).pk
    },
}
