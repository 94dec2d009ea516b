from calls import signing
from calls.models import Call
from jobs.models import Job
from tests.calls import isolation_interactions
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
    "calls:retry_job": lambda t: {"pk": make_retry_job(t).pk},
    "calls:retry_job_progress": lambda t: {"pk": make_retry_job(t).pk},
}


def make_retry_job(tenant):
    return Job.objects.create(tenant=tenant, kind="call_retry", result={"filters": {}})


def _named_call(t) -> list:
    call = Call.objects.create(
        tenant=t, call_id=f"iso-{t.slug}-call", ended=True, caller="+420773794804"
    )
    return [call, call.call_id]


def _settings_page(t) -> list:
    secret, _raw = signing.create_secret(t, label=f"iso-{t.slug}-secret")
    return [make_connector(t, name=f"iso-{t.slug}-crm").name, secret.label]


LIST_CASES = {
    "call-list": _named_call,
    "calls:index": lambda t: _named_call(t)[1:],
    "calls:settings": _settings_page,
}

NOT_LISTS = {
    "call-events": "POST: the call-event ingest (rows are stamped with the key's tenant)",
    "call-events-daktela": "POST/GET: Daktela's event form ingest, signed per tenant",
    "calls:dashboard": "figures, not rows: daily counts and the backlog, computed with "
    "for_tenant (calls.stats); no foreign row can be named on it",
    "call-retry-all": "POST: a bulk retry job over the key's tenant's calls (CallFilter is "
    "tenant-scoped; tests/calls/test_retry_redecide.py proves a foreign tenant's run leaves "
    "ours alone)",
    "calls:retry_all": "POST: the same bulk retry from the calls list, then a redirect",
    "calls:secret_generate": "POST: makes a signing secret for the tenant, then shows it once",
}

CASES |= isolation_interactions.CASES
LIST_CASES |= isolation_interactions.LIST_CASES
NOT_LISTS |= isolation_interactions.NOT_LISTS
