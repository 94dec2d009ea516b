from jobs.models import Job
from tests.factories import make_connector

CASES = {
    "job-detail": lambda t: {
        "pk": Job.objects.create(tenant=t, kind="contact_sync", connector=make_connector(t)).pk
    },
}

LIST_CASES = {
    "job-list": lambda t: [
        Job.objects.create(tenant=t, kind="contact_sync", connector=make_connector(t))
    ],
}
