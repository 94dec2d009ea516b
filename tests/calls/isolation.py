from calls import signing
from calls.models import Call
from tests.factories import make_connector


def make_call(tenant):
    return Call.objects.create(tenant=tenant, call_id=f"iso-{tenant.slug}", ended=True)


CASES = {
    "call-detail": lambda t: {"pk": make_call(t).pk},
    "call-retry": lambda t: {"pk": make_call(t).pk},
    "connector-call-sync-settings": lambda t: {"pk": make_connector(t, name="iso").pk},
    "calls:detail": lambda t: {"pk": make_call(t).pk},
    "calls:retry": lambda t: {"pk": make_call(t).pk},
    "calls:connector_settings": lambda t: {"pk": make_connector(t, name="iso").pk},
    "calls:secret_retire": lambda t: {"pk": signing.create_secret(t)[0].pk},
}
