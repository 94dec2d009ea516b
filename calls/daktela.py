"""The Daktela events-module form, received by the calls API (`GET /call-events/daktela/`).

platforms/daktela/adapter.py turns the form into call-event dicts; here they are validated as
any other call events, in the tenant's time zone.

Completion (issue 15): when the tenant has an enabled Daktela account, the activity is read
from Daktela's API by `ActivityID` before the events are stored, so the call is decided with
the caller, direction, agent and queue the URL lacks (the form's own values win). Daktela's
events module does not resend a GET that failed, so a Daktela failure never fails the GET:

- Daktela unreachable / 5xx / 429 (transient): the ringing and answered events are stored now
  (the call exists, not ended, so nothing is decided) and `calls.complete_daktela_activity`
  retries the completion with backoff; it stores the end event completed, or after the last
  try with what the URL had. A broker that takes no message: the end event is stored at once.
- Daktela refuses (bad token, no rights: permanent): the events are stored with what the URL
  had and the account's `last_error` says what to fix.
"""

import logging

from rest_framework.exceptions import ValidationError

from calls import ingest
from calls.validation import validate_events
from connectors.errors import ConnectorError
from platforms.daktela.adapter import form_events
from platforms.models import ContactCenterAccount
from platforms.registry import platform_for
from portal.celery import publish

log = logging.getLogger(__name__)

FORM_PARAMS = (
    "ID",
    "ActivityID",
    "CallType",
    "QueueStart",
    "RingingStart",
    "CallStart",
    "CallEnd",
    "Answered",
    "Duration",
    "WaitTime",
    "QueueId",
    "Clid",
    "Direction",
    "AgentEmail",
    "Type",
)
COMPLETE_TASK = "calls.complete_daktela_activity"
COMPLETE_RETRIES = 5  # 30 s, 1, 2, 4, 8 min: about a quarter of an hour


class CompletionDelayed(Exception):
    """Daktela could not be asked now (transient); the completion is retried later."""


def daktela_events(params, tenant, completed: dict | None = None) -> list[dict]:
    """Validated events for one activity; raises ValidationError naming the bad parameter."""
    events = form_events(params, tenant.zone, completed)
    try:
        return validate_events(events)
    except ValidationError as exc:  # map back to one flat error naming the event field
        detail = exc.detail
        first = next(iter(detail.values())) if isinstance(detail, dict) else detail
        raise ValidationError(first)


def daktela_account(tenant):
    """The tenant's enabled Daktela account (the oldest), or None."""
    accounts = ContactCenterAccount.objects.for_tenant(tenant).filter(enabled=True, kind="daktela")
    return accounts.order_by("pk").first()


def completion(account, activity_id: str) -> dict:
    """What Daktela says of the activity (ActivityDetails.event), {} when it has none or
    refuses (recorded on the account); raises CompletionDelayed on a transient failure."""
    try:
        details = platform_for(account).complete_activity(activity_id)
    except ConnectorError as exc:
        if not exc.permanent:
            raise CompletionDelayed(str(exc)) from exc
        log.warning("daktela completion refused for %s: %s", account.pk, exc)
        ContactCenterAccount.objects.for_tenant(account.tenant_id).filter(pk=account.pk).update(
            last_error=str(exc)[:1000]
        )
        return {}
    return details.event if details is not None else {}


def receive(params, tenant) -> int:
    """Store one events-module GET (completed from Daktela's API); 1 when the activity is new."""
    form = {k: params[k] for k in FORM_PARAMS if params.get(k) not in (None, "")}
    events = daktela_events(form, tenant)  # the URL alone: a bad parameter is a 400 before any
    account = daktela_account(tenant) if form.get("ActivityID") else None
    if account is None:
        return _store(tenant, events)
    try:
        completed = completion(account, form["ActivityID"])
    except CompletionDelayed as exc:
        log.info("daktela activity %s completed later: %s", form["ActivityID"], exc)
        accepted = _store(tenant, events[:-1])  # the call is open: not decided yet
        if not publish(COMPLETE_TASK, tenant.pk, account.pk, form):
            _store(tenant, events[-1:])  # no broker: decide with what the URL had
        return accepted or 0
    return _store(tenant, daktela_events(form, tenant, completed) if completed else events)


def complete_later(tenant, account_id: int, form: dict, last_try: bool) -> bool:
    """The Celery task's work: store the activity's events completed; False to retry."""
    account = ContactCenterAccount.objects.for_tenant(tenant).filter(pk=account_id).first()
    completed: dict = {}
    if account is not None and account.enabled:
        try:
            completed = completion(account, form["ActivityID"])
        except CompletionDelayed as exc:
            if not last_try:
                return False
            log.warning("daktela activity %s not completed: %s", form["ActivityID"], exc)
    _store(tenant, daktela_events(form, tenant, completed))
    return True


def _store(tenant, events: list[dict]) -> int:
    accepted, _dups = ingest.store_events(tenant, events, source="daktela") if events else (0, 0)
    return 1 if accepted else 0
